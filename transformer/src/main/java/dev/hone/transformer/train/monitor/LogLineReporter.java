package dev.hone.transformer.train.monitor;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress as plain lines, for logs and CI: "step 20/100 (20%) | loss 2.3456 | lr 2.00e-04 | 1234 tok/s |
 * elapsed 0:12 | eta 0:48". Prints the first update, then at most one per {@code interval}, and always the last
 * step. Time comes from {@code nanoClock} (System::nanoTime outside tests).
 */
public final class LogLineReporter implements ProgressReporter {
    private final long startStep;
    private final PrintStream out;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final long startNanos;
    private long lastPrintNanos;
    private boolean printedAny;

    public LogLineReporter(long startStep, PrintStream out, Duration interval, LongSupplier nanoClock) {
        this.startStep = startStep;
        this.out = out;
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
    }

    @Override
    public void update(StepProgress p) {
        long now = nanoClock.getAsLong();
        boolean last = p.step() >= p.totalSteps();
        if (printedAny && !last && now - lastPrintNanos < intervalNanos) return;
        printedAny = true;
        lastPrintNanos = now;
        Duration elapsed = Duration.ofNanos(now - startNanos);
        String eta = p.eta(startStep, elapsed).map(StepProgress::clock).orElse("?");
        out.println(String.format(Locale.ROOT, "step %d/%d (%d%%) | %s | elapsed %s | eta %s", p.step(), p.totalSteps(),
                p.totalSteps() > 0 ? 100 * p.step() / p.totalSteps() : 100, p.metrics(), StepProgress.clock(elapsed), eta));
    }

    @Override
    public void message(String line) { out.println(line); }

    @Override
    public void close() { out.flush(); }
}
