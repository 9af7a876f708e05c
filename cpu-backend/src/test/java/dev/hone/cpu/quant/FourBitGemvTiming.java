package dev.hone.cpu.quant;

import dev.hone.cpu.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * A quick timing (not a test, not a benchmark harness): fused NF4 [M x K] · [N x K]ᵀ against a dense
 * F32 GEMV over the same shape, both on one WorkerPool. Args: threads (default 2), N = K (default 4096),
 * M (default 1). Prints median milliseconds and the weight bytes streamed per second.
 */
public final class FourBitGemvTiming {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private FourBitGemvTiming() { }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        int m = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        FourBitWeight w = FourBitMatmulTest.randomWeight(size, size, 64, FourBitMatmulTest.NF4, 1);
        float[] dense = new float[size * size];
        double[] deq = FourBitMatmulTest.dequantize(w);
        for (int i = 0; i < dense.length; i++) dense[i] = (float) deq[i];
        float[] x = FourBitMatmulTest.random(m * size, 2);
        float[] y = new float[m * size];
        float[] dx = new float[m * size];
        try (WorkerPool pool = new WorkerPool(threads)) {
            double fused = time(() -> FourBitMatmul.forward(x, m, w, y, pool));
            double grad = time(() -> FourBitMatmul.inputGradient(y, m, w, dx, pool));
            double f32 = time(() -> denseGemm(dense, x, m, size, y, pool));
            double packedMb = size * (double) size / 2 / 1e6 + size * (double) size / 64 * 4 / 1e6;
            System.out.printf("species %s, %d threads, M=%d, N=K=%d%n", F, threads, m, size);
            System.out.printf("fused NF4 forward : %8.3f ms  (%.2f GB/s of packed weight + absmax)%n", fused, packedMb / fused);
            System.out.printf("fused NF4 dx      : %8.3f ms%n", grad);
            System.out.printf("dense F32 GEMM    : %8.3f ms  (%.2f GB/s of F32 weight)%n", f32, size * (double) size * 4 / 1e6 / f32);
        }
    }

    private static double time(Runnable r) {
        for (int i = 0; i < 20; i++) r.run();
        double[] t = new double[30];
        for (int i = 0; i < t.length; i++) {
            long s = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }

    private static void denseGemm(float[] w, float[] x, int m, int n, float[] y, WorkerPool pool) {
        pool.parallelFor(n / 16, task -> {
            for (int row = task * 16; row < task * 16 + 16; row++) {
                for (int i = 0; i < m; i++) y[i * n + row] = dot(w, row * n, x, i * n, n);
            }
        });
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int k = 0; k < n; k += F.length()) acc = FloatVector.fromArray(F, a, ao + k).fma(FloatVector.fromArray(F, b, bo + k), acc);
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
