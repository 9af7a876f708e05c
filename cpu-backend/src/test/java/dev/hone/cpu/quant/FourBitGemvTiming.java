package dev.hone.cpu.quant;

import dev.hone.cpu.gemm.Gemm;
import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A quick timing (not a test, not a benchmark harness): fused NF4 [M x K] · [N x K]ᵀ against the dense
 * F32 product over the same shape through {@link Gemm} (what a Linear layer runs), both on one
 * WorkerPool, timed alternately round by round so both see the same machine load. Args: threads
 * (default 2), N = K (default 4096), M (default 1), rounds (default 30). Prints median and minimum
 * milliseconds, the weight bytes streamed per second and the F32 / NF4 ratio.
 */
public final class FourBitGemvTiming {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private FourBitGemvTiming() { }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        int m = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 30;
        FourBitWeight w = FourBitMatmulTest.randomWeight(size, size, 64, FourBitMatmulTest.NF4, 1);
        float[] dense = new float[size * size];
        double[] deq = FourBitMatmulTest.dequantize(w);
        for (int i = 0; i < dense.length; i++) dense[i] = (float) deq[i];
        float[] x = FourBitMatmulTest.random(m * size, 2);
        float[] y = new float[m * size];
        float[] dx = new float[m * size];
        MemorySegment xs = MemorySegment.ofArray(x), ws = MemorySegment.ofArray(dense), ys = MemorySegment.ofArray(new float[m * size]);
        try (WorkerPool pool = new WorkerPool(threads)) {
            Gemm gemm = new Gemm(pool);
            Runnable[] runs = {
                () -> FourBitMatmul.forward(x, m, w, y, pool, gemm),
                () -> FourBitMatmul.inputGradient(y, m, w, dx, pool, gemm),
                // y[m, n] = x[m, k] · W[n, k]ᵀ: B(k, n) = W[n, k] at n*size + k
                () -> gemm.gemm(m, size, size, 1f, DType.F32, xs, 0, size, 1, DType.F32, ws, 0, 1, size, 0f, ys, 0, size),
            };
            double[][] t = new double[runs.length][rounds];
            for (int r = -10; r < rounds; r++) {
                for (int i = 0; i < runs.length; i++) {
                    long s = System.nanoTime();
                    runs[i].run();
                    if (r >= 0) t[i][r] = (System.nanoTime() - s) / 1e6;
                }
            }
            for (double[] v : t) Arrays.sort(v);
            double fused = t[0][rounds / 2], grad = t[1][rounds / 2], f32 = t[2][rounds / 2];
            double packedMb = size * (double) size / 2 / 1e6 + size * (double) size / 64 * 4 / 1e6;
            System.out.printf("species %s, %d threads, M=%d, N=K=%d, median (min) of %d rounds%n", F, threads, m, size, rounds);
            System.out.printf("fused NF4 forward : %8.3f ms (%.3f)  %.2f GB/s of packed weight + absmax%n", fused, t[0][0], packedMb / fused);
            System.out.printf("fused NF4 dx      : %8.3f ms (%.3f)%n", grad, t[1][0]);
            System.out.printf("dense F32 Gemm    : %8.3f ms (%.3f)  %.2f GB/s of F32 weight%n", f32, t[2][0], size * (double) size * 4 / 1e6 / f32);
            System.out.printf("F32 / NF4 forward : %.2fx (min %.2fx)%n", f32 / fused, t[2][0] / t[0][0]);
        }
    }
}
