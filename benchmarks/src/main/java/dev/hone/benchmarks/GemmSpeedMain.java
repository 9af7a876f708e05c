package dev.hone.benchmarks;

import dev.hone.cpu.gemm.Gemm;
import dev.hone.cpu.gemm.GemmTerm;
import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Quick GEMM timing without JMH, for the side-by-side table with OpenBLAS: for each shape, warm up
 * (1.5 s, for the JIT; numpy needs none), then time runs until about one second has passed (at least 5, at most 40) and print one TSV row per
 * shape: impl, case, threads, median ms, best ms, GFLOP/s at the median, GFLOP/s at the best.
 * Usage: GemmSpeedMain THREADS [shape name ...]  (default: every {@link GemmShape#standard()} shape).
 * {@code GemmSpeedMain THREADS --sum} instead times the LoRA two-term product
 * [2048x768]·[768x768] + [2048x16]·[16x768] as one {@link Gemm#gemmSum} against gemm then gemm(beta = 1),
 * alternating the two, and prints one row for each.
 */
public final class GemmSpeedMain {
    private GemmSpeedMain() { }

    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]);
        if (args.length > 1 && args[1].equals("--sum")) {
            timeLoraSum(threads);
            return;
        }
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

    /** gemmSum against two gemm calls on y = x·W + 2·h·B, x [2048x768], W [768x768], h [2048x16], B [16x768]. */
    private static void timeLoraSum(int threads) {
        int m = 2048, n = 768, k1 = 768, k2 = 16;
        double flops = 2.0 * m * n * (k1 + k2);
        try (WorkerPool pool = new WorkerPool(threads); Arena arena = Arena.ofShared()) {
            Gemm gemm = new Gemm(pool);
            SplittableRandom rnd = new SplittableRandom(42);
            GemmTerm base = new GemmTerm(k1, 1f, DType.F32, random(arena, (long) m * k1, rnd), 0, k1, 1,
                    DType.F32, random(arena, (long) k1 * n, rnd), 0, n, 1);
            GemmTerm adapter = new GemmTerm(k2, 2f, DType.F32, random(arena, (long) m * k2, rnd), 0, k2, 1,
                    DType.F32, random(arena, (long) k2 * n, rnd), 0, n, 1);
            MemorySegment c = arena.allocate((long) m * n * Float.BYTES, 64);
            Runnable fused = () -> gemm.gemmSum(m, n, base, adapter, 0f, c, 0, n);
            Runnable separate = () -> {
                multiply(gemm, m, n, base, 0f, c);
                multiply(gemm, m, n, adapter, 1f, c);
            };
            double[][] best = {{Double.MAX_VALUE, Double.MAX_VALUE}, {Double.MAX_VALUE, Double.MAX_VALUE}};
            for (int round = 0; round < 6; round++) {
                for (int which = 0; which < 2; which++) {
                    int impl = (round + which) % 2;
                    double[] ms = time(impl == 0 ? fused : separate, flops);
                    best[impl][0] = Math.min(best[impl][0], ms[0]);
                    best[impl][1] = Math.min(best[impl][1], ms[1]);
                }
            }
            String[] names = {"lora_sum_fused gemmSum", "lora_sum_separate gemm+gemm"};
            for (int impl = 0; impl < 2; impl++) {
                System.out.printf("hone\t%s\t%d\t%.3f\t%.3f\t%.2f\t%.2f%n", names[impl], threads, best[impl][0], best[impl][1],
                        flops / best[impl][0] / 1e6, flops / best[impl][1] / 1e6);
            }
        }
    }

    private static void multiply(Gemm gemm, int m, int n, GemmTerm t, float beta, MemorySegment c) {
        gemm.gemm(m, n, t.k(), t.alpha(), t.aType(), t.a(), t.aOff(), t.aRowStride(), t.aColStride(),
                t.bType(), t.b(), t.bOff(), t.bRowStride(), t.bColStride(), beta, c, 0, n);
    }

    private static MemorySegment random(Arena arena, long count, SplittableRandom rnd) {
        MemorySegment s = arena.allocate(count * Float.BYTES, 64);
        for (long i = 0; i < count; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
        return s;
    }

    /** Median and best wall time in milliseconds. */
    static double[] time(Runnable run, double flops) {
        // JIT warm-up: 1.5 s, at most 2,000 calls. The first shape of a fresh JVM (square512, ~1 ms a call)
        // measured 1.7 ms median against 0.83 ms in steady state after 200 warm-up calls / 0.5 s.
        long warmupUntil = System.nanoTime() + 1_500_000_000L;
        int warm = 0;
        while (warm < 3 || (System.nanoTime() < warmupUntil && warm < 2000)) {
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
