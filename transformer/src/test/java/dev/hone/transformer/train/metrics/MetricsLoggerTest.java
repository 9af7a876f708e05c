package dev.hone.transformer.train.metrics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;

/** metrics.csv / metrics.jsonl: round trips, and a resumed run's files equal an uninterrupted run's. */
class MetricsLoggerTest {
    @TempDir Path dir;

    /** A deterministic curve: a train row every step, an eval row every 3 steps. */
    private static List<MetricsRow> rowsOfStep(long step) {
        List<MetricsRow> rows = new ArrayList<>();
        rows.add(MetricsRow.train(step, step / 10.0, 3.0 / step, 1e-3 * step, 0.5 + step, 1000.0 + step));
        if (step % 3 == 0) rows.add(MetricsRow.eval(step, step / 10.0, 2.5 - 0.1 * step, OptionalDouble.of(0.1 * step)));
        return rows;
    }

    private static void logSteps(MetricsLogger logger, long from, long to) {
        for (long s = from; s <= to; s++) rowsOfStep(s).forEach(logger::log);
    }

    @Test
    void rowsRoundTripThroughBothFiles() throws IOException {
        Path csv = dir.resolve("metrics.csv");
        Path jsonl = dir.resolve("metrics.jsonl");
        try (MetricsLogger logger = MetricsLogger.start(csv, jsonl)) {
            logSteps(logger, 1, 6);
            assertThat(logger.rows()).hasSize(8);
        }
        List<MetricsRow> expected = new ArrayList<>();
        for (long s = 1; s <= 6; s++) expected.addAll(rowsOfStep(s));
        List<String> warnings = new ArrayList<>();
        assertThat(MetricsLogger.readCsv(csv, warnings::add)).isEqualTo(expected);
        assertThat(MetricsLogger.readJsonl(jsonl, warnings::add)).isEqualTo(expected);
        assertThat(warnings).isEmpty();
        assertThat(Files.readAllLines(csv).getFirst()).isEqualTo("step,epoch,loss,lr,grad_norm,tokens_per_s,eval_loss,eval_ppl,eval_accuracy");
        assertThat(Files.readAllLines(csv).get(4)).isEqualTo("3,0.3,,,,,2.2,9.025013499434122,0.30000000000000004");
    }

    @Test
    void resumingTruncatesLaterRowsSoTheFilesEqualAnUninterruptedRun() throws IOException {
        Path straightCsv = dir.resolve("a/metrics.csv");
        Path straightJsonl = dir.resolve("a/metrics.jsonl");
        Files.createDirectories(straightCsv.getParent());
        try (MetricsLogger logger = MetricsLogger.start(straightCsv, straightJsonl)) {
            logSteps(logger, 1, 10);
        }

        Path csv = dir.resolve("b/metrics.csv");
        Path jsonl = dir.resolve("b/metrics.jsonl");
        Files.createDirectories(csv.getParent());
        try (MetricsLogger logger = MetricsLogger.start(csv, jsonl)) {
            logSteps(logger, 1, 8);  // killed at step 8, last checkpoint at step 6
        }
        Files.writeString(csv, "9,0.9,0.33", StandardOpenOption.APPEND);          // a torn last line
        Files.writeString(jsonl, "{\"step\": 9, \"epo", StandardOpenOption.APPEND);
        List<String> warnings = new ArrayList<>();
        try (MetricsLogger logger = MetricsLogger.resume(csv, jsonl, 6, warnings::add)) {
            assertThat(logger.rows()).extracting(MetricsRow::step).containsExactly(1L, 2L, 3L, 3L, 4L, 5L, 6L, 6L);
            logSteps(logger, 7, 10);
        }
        assertThat(warnings).hasSize(2).allSatisfy(w -> assertThat(w).contains("dropping an unreadable"));
        assertThat(warnings.get(0)).contains("metrics.csv:12");   // header + 10 rows, then the torn line
        assertThat(warnings.get(1)).contains("metrics.jsonl:11");
        assertThat(Files.readString(csv)).isEqualTo(Files.readString(straightCsv));
        assertThat(Files.readString(jsonl)).isEqualTo(Files.readString(straightJsonl));
    }

    @Test
    void resumingWithoutFilesStartsEmpty() {
        try (MetricsLogger logger = MetricsLogger.resume(dir.resolve("m.csv"), dir.resolve("m.jsonl"), 5, w -> { })) {
            assertThat(logger.rows()).isEmpty();
        }
        assertThat(dir.resolve("m.csv")).hasContent("step,epoch,loss,lr,grad_norm,tokens_per_s,eval_loss,eval_ppl,eval_accuracy");
    }
}
