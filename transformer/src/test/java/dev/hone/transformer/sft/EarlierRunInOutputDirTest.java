package dev.hone.transformer.sft;

import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A fresh run pointed at an output_dir that holds an earlier run's checkpoints is refused before it touches
 * anything (it used to write over them and over metrics.csv); with overwrite_output_dir it deletes them first, so a
 * stale later checkpoint cannot pass for the new run's latest.
 */
class EarlierRunInOutputDirTest {

    @Test
    void aFreshRunIntoAnEarlierRunsDirectoryIsRefusedUnlessOverwriteIsAsked(@TempDir Path dir) throws IOException {
        Path data = SftFixtures.supportSample(dir, 60, 53), out = dir.resolve("run");
        run(data, out, 8, false, quiet());
        byte[] metrics = Files.readAllBytes(out.resolve("metrics.csv"));

        assertThatThrownBy(() -> run(data, out, 4, false, quiet())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("output_dir " + out + " already holds an earlier run (checkpoint-4, checkpoint-8)")
                .hasMessageContaining("overwrite_output_dir: true");
        assertThat(out.resolve("checkpoints/checkpoint-8/checkpoint_complete.json")).exists();
        assertThat(Files.readAllBytes(out.resolve("metrics.csv"))).as("the earlier run's metrics are untouched").isEqualTo(metrics);

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        run(data, out, 4, true, new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("warning: overwrite_output_dir: deleting the earlier run's checkpoints");
        assertThat(out.resolve("checkpoints/checkpoint-8")).doesNotExist();
        assertThat(out.resolve("checkpoints/checkpoint-4/checkpoint_complete.json")).exists();
    }

    private static void run(Path data, Path out, long steps, boolean overwrite, PrintStream log) {
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            SftFixtures.smallQlora(SftFixtures.stories260K(), SftFixtures.data(data, 256, 8), out, log).maxSteps(steps).saveSteps(4)
                    .baseEvaluation(Trainer.BaseEvaluation.AFTER_ONLY).sampleGenerations(0).overwriteOutputDir(overwrite).build().fit();
        }
    }

    private static PrintStream quiet() { return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8); }
}
