package dev.hone.cpu.quant;

import dev.hone.cpu.CpuBackend;
import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.FourBitOps;

import java.util.Arrays;

/**
 * A quick timing (not a test, not a benchmark harness) of decoding through the backend SPI, the path a
 * model takes: {@code CpuBackend.fourBit().matmul} on the packed NF4 tensors (codes U8, absmax F32,
 * codebook F32, blocksize 64) against {@code CpuBackend.matmul} with the dense F32 weight they decode
 * to (x[M, K] · W[N, K]ᵀ, W passed transposed as a Linear layer does), timed alternately round by round
 * on one backend so both see the same machine load. Each product is timed twice per round: cold, right
 * after {@link #EVICT_BYTES} of unrelated memory were touched (a model's decode step, where every
 * layer's weight comes from DRAM), and warm, repeated at once (the weight still in cache). Args: threads
 * (default 2), N = K (default 4096), M (default 1), rounds (default 100). Prints median and fastest
 * milliseconds and the dense / NF4 ratios.
 */
public final class BackendDecodeTiming {
    /** Bytes touched before each cold run: well above the weights and the last-level cache slice a core sees. */
    private static final int EVICT_BYTES = 256 << 20;

    private BackendDecodeTiming() { }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        int m = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        int blocksize = 64;
        FourBitWeight source = FourBitMatmulTest.randomWeight(size, size, blocksize, FourBitMatmulTest.NF4, 1);
        double[] codes = new double[size * size / 2];
        for (int i = 0; i < codes.length; i++) codes[i] = source.packed().get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) & 0xff;
        float[] absmax = new float[size * size / blocksize];
        for (int i = 0; i < absmax.length; i++) absmax[i] = source.absmaxAt(i);
        double[] decoded = FourBitMatmulTest.dequantize(source);
        float[] dense = new float[decoded.length];
        for (int i = 0; i < dense.length; i++) dense[i] = (float) decoded[i];
        try (CpuBackend cpu = new CpuBackend(threads); Scope _ = Scope.open(cpu)) {
            FourBitOps fourBit = cpu.fourBit().orElseThrow();
            FourBitOps.PackedWeight packed = new FourBitOps.PackedWeight(Tensor.of(DType.U8, codes, codes.length),
                    Tensor.of(absmax, absmax.length), Tensor.of(FourBitMatmulTest.NF4, 16), size, size, blocksize);
            Tensor weight = Tensor.of(dense, size, size);                                    // [N, K]
            Tensor x = Tensor.of(FourBitMatmulTest.random(m * size, 2), m, size);           // [M, K]
            Tensor yFused = Tensor.empty(DType.F32, m, size), yDense = Tensor.empty(DType.F32, m, size);   // [M, N]
            Runnable fused = () -> fourBit.matmul(x, packed, yFused);
            Runnable denseMatmul = () -> cpu.matmul(x, weight.mT(), yDense, 1f, 0f);
            float[] evict = new float[EVICT_BYTES / Float.BYTES];
            // times[run][round]: fused cold, fused warm, dense cold, dense warm
            double[][] times = new double[4][rounds];
            for (int r = -10; r < rounds; r++) {
                for (int product = 0; product < 2; product++) {
                    Runnable run = product == 0 ? fused : denseMatmul;
                    touch(evict);
                    double cold = millis(run), warm = millis(run);
                    if (r >= 0) {
                        times[2 * product][r] = cold;
                        times[2 * product + 1][r] = warm;
                    }
                }
            }
            for (double[] v : times) Arrays.sort(v);
            int mid = rounds / 2;
            System.out.printf("CpuBackend, %d threads, x [%d, %d] · W [%d, %d]ᵀ, median (fastest) of %d rounds%n",
                    threads, m, size, size, size, rounds);
            String[] names = {"fourBit().matmul NF4, cold", "fourBit().matmul NF4, warm", "matmul dense F32, cold", "matmul dense F32, warm"};
            for (int i = 0; i < 4; i++) System.out.printf("%-28s: %8.3f ms (%.3f)%n", names[i], times[i][mid], times[i][0]);
            System.out.printf("F32 / NF4 cold              : %.2fx (fastest %.2fx)%n", times[2][mid] / times[0][mid], times[2][0] / times[0][0]);
            System.out.printf("F32 / NF4 warm              : %.2fx (fastest %.2fx)%n", times[3][mid] / times[1][mid], times[3][0] / times[1][0]);
        }
    }

    private static double millis(Runnable run) {
        long start = System.nanoTime();
        run.run();
        return (System.nanoTime() - start) / 1e6;
    }

    /** One read and write per cache line of {@code memory}, pushing earlier data out of the caches. */
    private static void touch(float[] memory) {
        for (int i = 0; i < memory.length; i += 16) memory[i] += 1f;
    }
}
