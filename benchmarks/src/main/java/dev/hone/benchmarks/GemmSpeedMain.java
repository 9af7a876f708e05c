package dev.hone.benchmarks;

import dev.hone.cpu.gemm.Gemm;
import dev.hone.cpu.parallel.WorkerPool;

import java.util.Arrays;

/**
 * Quick GEMM timing without JMH, for the side-by-side table with OpenBLAS: for each shape, warm up,
 * then time runs until about one second has passed (at least 5, at most 40) and print one TSV row per
 * shape: impl, case, threads, median ms, best ms, GFLOP/s at the median, GFLOP/s at the best.
 * Usage: GemmSpeedMain THREADS [shape name ...]  (default: every {@link GemmShape#standard()} shape).
 */
public final class GemmSpeedMain {
    private GemmSpeedMain() { }

    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]);
        var shapes = args.length > 1
                ? Arrays.stream(args, 1, args.length).map(GemmShape::byName).toList()
                : GemmShape.standard();
        try (WorkerPool pool = new WorkerPool(threads)) {
            Gemm gemm = new Gemm(pool);
            for (GemmShape shape : shapes) {
                try (GemmOperands ops = new GemmOperands(shape, 42)) {
                    double[] ms = time(() -> ops.multiply(gemm), shape.flops());
                    System.out.printf("hone\t%s\t%d\t%.3f\t%.3f\t%.2f\t%.2f%n", shape.name(), threads, ms[0], ms[1],
                            shape.flops() / ms[0] / 1e6, shape.flops() / ms[1] / 1e6);
                }
            }
        }
    }

    /** Median and best wall time in milliseconds. */
    static double[] time(Runnable run, double flops) {
        long warmupUntil = System.nanoTime() + 500_000_000L;
        int warm = 0;
        while (warm < 3 || (System.nanoTime() < warmupUntil && warm < 200)) {
            run.run();
            warm++;
        }
        double[] samples = new double[40];
        int count = 0;
        long start = System.nanoTime();
        while (count < samples.length && (count < 5 || System.nanoTime() - start < 1_000_000_000L)) {
            long t0 = System.nanoTime();
            run.run();
            samples[count++] = (System.nanoTime() - t0) / 1e6;
        }
        double[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        return new double[] {sorted[count / 2], sorted[0]};
    }
}
