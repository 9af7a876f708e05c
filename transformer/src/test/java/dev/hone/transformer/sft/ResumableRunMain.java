package dev.hone.transformer.sft;

import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.train.config.ResumeFrom;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The training run of {@link KillAndResumeTest}, as a main so it can run in a child JVM that the test kills:
 * {@code ResumableRunMain <data.jsonl> <output dir> <max steps> <fresh|latest>}.
 */
public final class ResumableRunMain {
    private ResumableRunMain() { }

    public static void main(String[] args) {
        run(Path.of(args[0]), Path.of(args[1]), Long.parseLong(args[2]),
                args[3].equals("latest") ? new ResumeFrom.Latest() : new ResumeFrom.Fresh(), new PrintStream(System.out, true, StandardCharsets.UTF_8));
    }

    static FitResult run(Path data, Path out, long steps, ResumeFrom resume, PrintStream log) {
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            return SftFixtures.smallQlora(SftFixtures.stories260K(), SftFixtures.data(data, 256, 8), out, log)
                    .maxSteps(steps).saveSteps(4).evalSteps(8).baseEvaluation(Trainer.BaseEvaluation.AFTER_ONLY).sampleGenerations(0)
                    .resumeFrom(resume).build().fit();
        }
    }
}
