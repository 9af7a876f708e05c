package dev.hone.transformer.train.monitor;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Progress as a redrawn bar on a terminal (me.tongfei progressbar): step/total, percentage, elapsed time, ETA
 * and "loss | lr | tok/s" as the extra message. A resumed run starts the bar at its step; the ETA uses only the
 * steps of this process (see {@link StepProgress#eta}).
 */
public final class ProgressBarReporter implements ProgressReporter {
    private final ProgressBar bar;
    private final PrintStream out;
    private final long startStep;
    private final Instant start = Instant.now();
    private volatile StepProgress lastProgress;

    public ProgressBarReporter(String task, long totalSteps, long startStep, PrintStream out) {
        this.out = out;
        this.startStep = startStep;
        this.bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(totalSteps).setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                .setConsumer(new ConsoleProgressBarConsumer(out)).setUpdateIntervalMillis(250).startsFrom(startStep, Duration.ZERO)
                .setEtaFunction(state -> eta()).build();
    }

    private Optional<Duration> eta() {
        StepProgress p = lastProgress;
        return p == null ? Optional.empty() : p.eta(startStep, Duration.between(start, Instant.now()));
    }

    @Override
    public void update(StepProgress p) {
        lastProgress = p;
        bar.setExtraMessage(p.metrics());
        bar.stepTo(p.step());
    }

    @Override
    public void message(String line) {
        out.print("\r\033[2K");
        out.println(line);
        bar.refresh();
    }

    @Override
    public void close() { bar.close(); }
}
