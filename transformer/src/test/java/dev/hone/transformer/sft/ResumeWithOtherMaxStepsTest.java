package dev.hone.transformer.sft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hone.transformer.train.config.ResumeFrom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Resuming with another max_steps, as with transformers' Trainer: a longer run goes on to the new total with the
 * learning-rate schedule recomputed for it (and says so), and a total below the checkpoint's step is refused before
 * anything is touched. Before this, the checkpoint's max_steps silently won and "--max_steps 50" on resume stopped at 40.
 */
class ResumeWithOtherMaxStepsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aLongerMaxStepsOnResumeTrainsOnToTheNewTotal(@TempDir Path dir) throws IOException {
        Path data = SftFixtures.supportSample(dir, 120, 53), out = dir.resolve("run");
        ResumableRunMain.run(data, out, 8, new ResumeFrom.Fresh(), quiet());

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        FitResult extended = ResumableRunMain.run(data, out, 12, new ResumeFrom.Latest(),
                new PrintStream(log, true, StandardCharsets.UTF_8));

        assertThat(extended.firstStep()).isEqualTo(9);
        assertThat(extended.stepLosses()).hasSize(4);
        assertThat(log.toString(StandardCharsets.UTF_8))
                .contains("warning: max_steps is 12 now and was 8 when checkpoint-8 was saved")
                .contains("resumed from " + out.resolve("checkpoints/checkpoint-8") + " at step 8 of 12");
        Path last = out.resolve("checkpoints/checkpoint-12");
        JsonNode state = JSON.readTree(last.resolve("trainer_state.json").toFile());
        JsonNode scheduler = JSON.readTree(last.resolve("scheduler.json").toFile());
        assertThat(state.get("global_step").asLong()).isEqualTo(12);
        assertThat(state.get("max_steps").asLong()).isEqualTo(12);
        assertThat(scheduler.get("total_steps").asLong()).isEqualTo(12);
        assertThat(scheduler.get("last_epoch").asLong()).isEqualTo(12);
    }

    @Test
    void aMaxStepsBelowTheCheckpointsStepIsRefused(@TempDir Path dir) throws IOException {
        Path data = SftFixtures.supportSample(dir, 120, 53), out = dir.resolve("run");
        ResumableRunMain.run(data, out, 8, new ResumeFrom.Fresh(), quiet());

        assertThatThrownBy(() -> ResumableRunMain.run(data, out, 6, new ResumeFrom.Latest(), quiet()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max_steps 6 is below step 8 of " + out.resolve("checkpoints/checkpoint-8"));
        assertThat(out.resolve("checkpoints/checkpoint-8/checkpoint_complete.json")).exists();
    }

    private static PrintStream quiet() { return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8); }
}
