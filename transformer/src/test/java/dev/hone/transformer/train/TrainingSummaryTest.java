package dev.hone.transformer.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hone.transformer.train.monitor.PeakMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The end-of-run summary as text and summary.json, and the output_dir layout. */
class TrainingSummaryTest {
    @TempDir Path dir;

    private TrainingSummary summary(Path out) {
        return new TrainingSummary(Optional.of(new TrainingSummary.Evaluation(3.0, OptionalDouble.of(0.0), OptionalDouble.of(0.02))),
                Optional.of(new TrainingSummary.Evaluation(1.0, OptionalDouble.of(0.5), OptionalDouble.of(0.85))), OptionalDouble.of(12.5), OptionalDouble.of(13.0),
                200, 409_600, Duration.ofSeconds(160), TrainingSummary.StopReason.COMPLETED,
                new PeakMemory.Report(64L << 20, 128L << 20, OptionalLong.of(512L << 20)), out);
    }

    @Test
    void textComparesBaseAndFineTuned() {
        String text = summary(dir).toText();
        assertThat(text).contains("validation loss              3.0000       1.0000      -2.0000")
                .contains("validation perplexity        20.086        2.718      -17.367")
                .contains("reply exact match %             0.0         50.0        +50.0")
                .contains("label accuracy %                2.0         85.0        +83.0")
                .contains("TinyStories perplexity       12.500       13.000       +0.500")
                .contains("200 optimizer steps (completed), 409600 tokens in 2:40 (2560 tokens/s)")
                .contains("peak memory: tensors 64.0 MiB, JVM heap 128.0 MiB, process peak RSS 512.0 MiB");
    }

    @Test
    void aDivergedRunsPerplexityPrintsInScientificNotationAndKeepsTheColumns() {
        TrainingSummary diverged = new TrainingSummary(Optional.of(new TrainingSummary.Evaluation(3.9069, OptionalDouble.empty(), OptionalDouble.empty())),
                Optional.of(new TrainingSummary.Evaluation(341.3528, OptionalDouble.empty(), OptionalDouble.empty())), OptionalDouble.empty(),
                OptionalDouble.empty(), 40, 40_960, Duration.ofSeconds(3), TrainingSummary.StopReason.COMPLETED,
                new PeakMemory.Report(1L << 20, 1L << 20, OptionalLong.empty()), dir);
        // exp(341.3528) = 1.7686e148, as numpy.exp computes it.
        assertThat(diverged.toText()).contains("validation perplexity        49.745   1.769e+148  +1.769e+148");
    }

    @Test
    void perplexityFormatsSwitchToScientificAtAMillion() {
        assertThat(Perplexity.format(43.5816)).isEqualTo("43.582");
        assertThat(Perplexity.format(999_999.4)).isEqualTo("999999.400");
        assertThat(Perplexity.format(1_000_000)).isEqualTo("1.000e+06");
        assertThat(Perplexity.format(Double.POSITIVE_INFINITY)).isEqualTo("Infinity");
        assertThat(Perplexity.format(Double.NaN)).isEqualTo("NaN");
        assertThat(Perplexity.ofLoss(1.0)).isEqualTo("2.718");
        assertThat(Perplexity.formatChange(-17.3673)).isEqualTo("-17.367");
        assertThat(Perplexity.formatChange(2.5e7)).isEqualTo("+2.500e+07");
    }

    @Test
    void writesSummaryJsonAndTextIntoTheRunDirectory() throws IOException {
        RunDirectory run = RunDirectory.create(dir.resolve("out"));
        assertThat(run.checkpoints()).isDirectory();
        summary(run.root()).write(run);
        JsonNode json = new ObjectMapper().readTree(run.summaryJson().toFile());
        assertThat(json.at("/base/eval_loss").asDouble()).isEqualTo(3.0);
        assertThat(json.at("/fine_tuned/eval_ppl").asDouble()).isCloseTo(Math.E, within(1e-12));
        assertThat(json.at("/fine_tuned/eval_label_accuracy").asDouble()).isEqualTo(0.85);
        assertThat(json.at("/fine_tuned/eval_exact_match").asDouble()).isEqualTo(0.5);
        assertThat(json.at("/tinystories_perplexity/after").asDouble()).isEqualTo(13.0);
        assertThat(json.at("/tokens_per_s").asDouble()).isEqualTo(2560.0);
        assertThat(json.at("/peak_memory_bytes/process_rss").asLong()).isEqualTo(512L << 20);
        assertThat(json.at("/stop_reason").asText()).isEqualTo("completed");
        assertThat(Files.readString(run.summaryText())).startsWith("Fine-tuning summary");
        assertThat(run.lossCurvePng()).isEqualTo(dir.resolve("out/loss_curve.png"));
    }
}
