package dev.hone.transformer.train.monitor;

import dev.hone.tensor.MemoryStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Log-line progress with a fake clock, mode detection, the progress bar's output, and peak-memory tracking. */
class ProgressAndMemoryTest {
    @TempDir Path dir;

    @Test
    void logLinesAreThrottledAndShowEta() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong(0);
        try (LogLineReporter r = new LogLineReporter(10, new PrintStream(bytes, true, StandardCharsets.UTF_8), Duration.ofSeconds(10), now::get)) {
            for (long step = 11; step <= 20; step++) {
                now.addAndGet(Duration.ofSeconds(3).toNanos());
                r.update(new StepProgress(step, 20, 2.0 - step * 0.01, 2e-4, 1500));
            }
            r.message("eval loss 1.23");
        }
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        // printed at step 11 (first), then every >= 10 s: 15 (t=15 s), 19 (t=27 s), and always the last step 20
        assertThat(lines).hasSize(5);
        assertThat(lines[0]).isEqualTo("step 11/20 (55%) | loss 1.8900 | lr 2.00e-04 | 1500 tok/s | elapsed 0:03 | eta 0:27");
        assertThat(lines[1]).startsWith("step 15/20 (75%)").endsWith("elapsed 0:15 | eta 0:15");
        assertThat(lines[3]).startsWith("step 20/20 (100%)").endsWith("elapsed 0:30 | eta 0:00");
        assertThat(lines[4]).isEqualTo("eval loss 1.23");
    }

    @Test
    void barOnlyOnAnInteractiveNonCiTerminal() {
        assertThat(ProgressReporter.detectMode(null, Map.of())).isEqualTo(ProgressReporter.Mode.LOG_LINES);
        assertThat(StepProgress.clock(Duration.ofSeconds(3725))).isEqualTo("1:02:05");
        assertThat(new StepProgress(5, 10, 1, 1, 1).eta(5, Duration.ofSeconds(9))).isEmpty();
    }

    @Test
    void theProgressBarRendersStepAndMetrics() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ProgressBarReporter bar = new ProgressBarReporter("finetune", 10, 0, new PrintStream(bytes, true, StandardCharsets.UTF_8))) {
            bar.update(new StepProgress(4, 10, 1.2345, 1e-4, 900));
            bar.message("eval loss 1.0");
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("finetune").contains("4/10").contains("loss 1.2345 | lr 1.00e-04").contains("eval loss 1.0");
    }

    @Test
    void peakMemoryKeepsTheMaximaAndReadsVmHwm() throws IOException {
        Path status = dir.resolve("status");
        Files.writeString(status, "Name:\tjava\nVmPeak:\t 9000 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1000 kB\n");
        AtomicLong live = new AtomicLong(100);
        PeakMemory peak = new PeakMemory(() -> new MemoryStats(1, live.get(), 0, 0, live.get()), status);
        peak.sample();
        live.set(5000);
        peak.sample();
        live.set(10);
        PeakMemory.Report report = peak.report();
        assertThat(report.backendPeakBytes()).isEqualTo(5000);
        assertThat(report.jvmHeapPeakBytes()).isPositive();
        assertThat(report.processPeakRssBytes()).isEqualTo(OptionalLong.of(2048 * 1024));
        assertThat(PeakMemory.peakRss(dir.resolve("missing"))).isEmpty();
        assertThat(report.describe()).contains("process peak RSS 2.0 MiB");
    }
}
