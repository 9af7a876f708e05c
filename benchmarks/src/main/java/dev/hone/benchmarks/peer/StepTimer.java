package dev.hone.benchmarks.peer;

import java.util.Arrays;
import java.util.Locale;

/**
 * Times one training-step body the same way on Hone's and on the PyTorch peer's side (the peer has a
 * copy of this logic in benchmarks/peer-djl): warm-up steps until {@code warmupSeconds} have passed
 * (at least {@code minWarmup}), then at least {@code minRuns} timed steps or until {@code budgetSeconds}
 * are spent, and one tab-separated row {@code impl case threads median_ms best_ms runs} on stdout, the
 * format benchmarks/scripts/perf_table.py reads. Settings come from the system properties
 * {@code perf.warmup_s}, {@code perf.budget_s}, {@code perf.min_runs} so a quick run stays one flag away.
 */
public record StepTimer(double warmupSeconds, double budgetSeconds, int minWarmup, int minRuns) {

    /** A step body; it may throw (the peer's engine does). */
    @FunctionalInterface
    public interface Step { void run() throws Exception; }

    /** Settings from system properties, with defaults sized for 0.1–1 s steps on 2 cores. */
    public static StepTimer fromProperties() {
        return new StepTimer(Double.parseDouble(System.getProperty("perf.warmup_s", "3")),
                Double.parseDouble(System.getProperty("perf.budget_s", "8")), 2,
                Integer.parseInt(System.getProperty("perf.min_runs", "5")));
    }

    /** Milliseconds of each timed run, sorted ascending. */
    public double[] measure(Step step) throws Exception {
        long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        for (int i = 0; i < minWarmup || System.nanoTime() < warmEnd; i++) step.run();
        double[] times = new double[16];
        int n = 0;
        long end = System.nanoTime() + (long) (budgetSeconds * 1e9);
        while (n < minRuns || (System.nanoTime() < end && n < 200)) {
            long t0 = System.nanoTime();
            step.run();
            if (n == times.length) times = Arrays.copyOf(times, 2 * n);
            times[n++] = (System.nanoTime() - t0) / 1e6;
        }
        double[] sorted = Arrays.copyOf(times, n);
        Arrays.sort(sorted);
        return sorted;
    }

    /** Measures {@code step} and prints its row. */
    public void row(String impl, String caseName, int threads, Step step) throws Exception {
        double[] ms = measure(step);
        System.out.println(String.format(Locale.ROOT, "%s\t%s\t%d\t%.3f\t%.3f\t%d",
                impl, caseName, threads, ms[ms.length / 2], ms[0], ms.length));
        System.out.flush();
    }
}
