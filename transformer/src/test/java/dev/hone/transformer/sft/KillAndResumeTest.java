package dev.hone.transformer.sft;

import dev.hone.transformer.train.config.ResumeFrom;
import dev.hone.transformer.train.metrics.MetricsLogger;
import dev.hone.transformer.train.metrics.MetricsRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kill -9 in the middle of training, then resume: a child JVM runs {@link ResumableRunMain} (QLoRA with LoRA
 * dropout, checkpoints every 4 steps) and is killed with SIGKILL once checkpoint-4 is complete and before the run
 * ends; a resumed run from the latest checkpoint then finishes. Its final loss, and every logged training loss
 * and evaluation loss, equal those of an uninterrupted run with the same seed bit for bit: the trainer restores
 * everything it controls (data cursor, dropout counter, AdamW moments, schedule, adapter) exactly, and the CPU
 * backend's kernels give the same bits whether interpreted or JIT-compiled (see cpu-backend's DeterminismTest).
 */
class KillAndResumeTest {
    private static final long STEPS = 16;

    @Test
    void resumeAfterSigkillReproducesTheUninterruptedLossCurve(@TempDir Path dir) throws Exception {
        Path data = SftFixtures.supportSample(dir, 120, 53);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        FitResult reference = ResumableRunMain.run(data, dir.resolve("uninterrupted"), STEPS, new ResumeFrom.Fresh(), quiet);

        Path killed = dir.resolve("killed");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ResumableRunMain.class.getName(), data.toString(), killed.toString(), Long.toString(STEPS), "fresh")
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        Path marker = killed.resolve("checkpoints/checkpoint-4/checkpoint_complete.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.exists(marker) && child.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(child.isAlive()).as("child still training when checkpoint-4 appeared; log:\n" + log(dir)).isTrue();
        child.destroyForcibly().waitFor();
        assertThat(killed.resolve("checkpoints/checkpoint-" + STEPS)).as("killed before the end").doesNotExist();

        FitResult resumed = ResumableRunMain.run(data, killed, STEPS, new ResumeFrom.Latest(), quiet);
        long resumedStep = resumed.firstStep() - 1;
        assertThat(resumedStep).isBetween(4L, STEPS - 1);
        assertThat(resumed.finalLoss()).isEqualTo(reference.finalLoss());
        assertSame(resumed.stepLosses(), reference.stepLosses().subList((int) resumedStep, (int) STEPS));
        assertThat(resumed.after().loss()).isEqualTo(reference.after().loss());
        List<MetricsRow> logged = rows(killed), uninterrupted = rows(dir.resolve("uninterrupted"));
        assertThat(logged).extracting(MetricsRow::step).containsExactlyElementsOf(uninterrupted.stream().map(MetricsRow::step).toList());
        assertSame(logged.stream().map(KillAndResumeTest::lossOf).toList(),
                uninterrupted.stream().map(KillAndResumeTest::lossOf).toList());
    }

    private static void assertSame(List<Double> actual, List<Double> expected) {
        assertThat(actual).containsExactlyElementsOf(expected);
    }

    private static double lossOf(MetricsRow r) { return r.isTrain() ? r.loss().getAsDouble() : r.evalLoss().getAsDouble(); }

    private static List<MetricsRow> rows(Path run) throws IOException {
        return MetricsLogger.readJsonl(run.resolve("metrics.jsonl"), w -> { });
    }

    private static String log(Path dir) throws IOException {
        File f = dir.resolve("child.log").toFile();
        return f.exists() ? Files.readString(f.toPath()) : "";
    }
}
