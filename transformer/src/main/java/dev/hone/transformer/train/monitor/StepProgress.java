package dev.hone.transformer.train.monitor;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * What the progress display shows after one optimizer step: the step (1-based, the number of steps done) of
 * the total, the step's loss, the learning rate it used and the training throughput in tokens per second.
 */
public record StepProgress(long step, long totalSteps, double loss, double learningRate, double tokensPerSecond) {

    /** "loss 2.3456 | lr 2.00e-04 | 1234 tok/s". */
    public String metrics() {
        return String.format(Locale.ROOT, "loss %.4f | lr %.2e | %.0f tok/s", loss, learningRate, tokensPerSecond);
    }

    /**
     * Time left, from the mean time per step since this process started at {@code startStep}: elapsed / (step -
     * startStep) * (total - step). Absent before the first step of this process.
     */
    public Optional<Duration> eta(long startStep, Duration elapsed) {
        long done = step - startStep;
        if (done <= 0) return Optional.empty();
        return Optional.of(Duration.ofNanos((long) ((double) elapsed.toNanos() / done * Math.max(0, totalSteps - step))));
    }

    /** "1:02:03" or "2:03". */
    public static String clock(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
