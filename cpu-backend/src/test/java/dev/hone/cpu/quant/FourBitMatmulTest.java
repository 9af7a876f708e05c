package dev.hone.cpu.quant;

import dev.hone.cpu.gemm.Gemm;
import dev.hone.cpu.parallel.WorkerPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fused 4-bit kernels against dequantize-then-naive-matmul: the dense weight is decoded here
 * element by element (table[nibble] * absmax[block], even element in the high nibble) and multiplied
 * in float64; the kernel must agree to float32 accumulation error.
 */
class FourBitMatmulTest {
    /** bitsandbytes' NF4 table (functional.py get_4bit_type). */
    static final float[] NF4 = {
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
        -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
        0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    };
    /** bitsandbytes' FP4 table: [0, .0625, 8, 12, 4, 6, 2, 3, -0, -.0625, -8, -12, -4, -6, -2, -3] / 12. */
    static final float[] FP4 = {0f, 0.0625f / 12, 8f / 12, 1f, 4f / 12, 6f / 12, 2f / 12, 3f / 12,
        -0f, -0.0625f / 12, -8f / 12, -1f, -4f / 12, -6f / 12, -2f / 12, -3f / 12};

    private static WorkerPool pool;

    @BeforeAll
    static void startPool() { pool = new WorkerPool(2); }

    @AfterAll
    static void stopPool() { pool.close(); }

    static FourBitWeight randomWeight(int rows, int cols, int blocksize, float[] table, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        byte[] packed = new byte[rows * cols / 2];
        for (int i = 0; i < packed.length; i++) packed[i] = (byte) rng.nextInt(256);
        float[] absmax = new float[rows * cols / blocksize];
        for (int i = 0; i < absmax.length; i++) absmax[i] = (float) (0.05 + rng.nextDouble());
        return new FourBitWeight(MemorySegment.ofArray(packed), absmax, table, rows, cols, blocksize);
    }

    static double[] dequantize(FourBitWeight w) {
        double[] out = new double[w.rows() * w.cols()];
        for (int i = 0; i < out.length; i++) {
            int b = w.packed().get(java.lang.foreign.ValueLayout.JAVA_BYTE, i / 2) & 0xff;
            int code = i % 2 == 0 ? b >> 4 : b & 0xf;
            out[i] = w.table()[code] * w.absmaxAt(i / w.blocksize());
        }
        return out;
    }

    static float[] random(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rng.nextGaussian();
        return a;
    }

    @ParameterizedTest(name = "M={0} N={1} K={2} blocksize={3} fp4={4} threads={5}")
    @CsvSource({"1, 37, 256, 64, false, true", "3, 20, 128, 32, false, false", "5, 33, 512, 128, true, true",
                "8, 16, 64, 64, true, false", "9, 7, 4096, 4096, false, true",
                "40, 37, 256, 64, false, true", "17, 700, 2048, 32, true, true",
                "1, 9, 192, 64, false, true", "6, 5, 320, 32, true, false", "2, 11, 512, 256, true, true"})
    void forwardEqualsDequantizeThenMatmul(int m, int n, int k, int blocksize, boolean fp4, boolean threads) {
        FourBitWeight w = randomWeight(n, k, blocksize, fp4 ? FP4 : NF4, m * 31L + n);
        double[] dense = dequantize(w);
        float[] x = random(m * k, 7);
        float[] y = new float[m * n];
        FourBitMatmul.forward(x, m, w, y, threads ? pool : null);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double ref = 0, mag = 0;
                for (int c = 0; c < k; c++) {
                    ref += x[i * k + c] * dense[j * k + c];
                    mag += Math.abs(x[i * k + c] * dense[j * k + c]);
                }
                assertThat((double) y[i * n + j]).as("y[%d, %d]", i, j).isCloseTo(ref, org.assertj.core.api.Assertions.within(1e-5 * mag + 1e-6));
            }
        }
    }

    @ParameterizedTest(name = "M={0} N={1} K={2} blocksize={3} threads={4}")
    @CsvSource({"1, 37, 256, 64, true", "3, 20, 1024, 32, false", "6, 9, 192, 64, true", "40, 37, 256, 64, true",
                "17, 600, 2048, 32, true"})
    void inputGradientEqualsDyTimesDequantizedWeight(int m, int n, int k, int blocksize, boolean threads) {
        FourBitWeight w = randomWeight(n, k, blocksize, NF4, 5);
        double[] dense = dequantize(w);
        float[] dy = random(m * n, 11);
        float[] dx = new float[m * k];
        java.util.Arrays.fill(dx, Float.NaN);
        FourBitMatmul.inputGradient(dy, m, w, dx, threads ? pool : null);
        for (int i = 0; i < m; i++) {
            for (int c = 0; c < k; c++) {
                double ref = 0, mag = 0;
                for (int j = 0; j < n; j++) {
                    ref += dy[i * n + j] * dense[j * k + c];
                    mag += Math.abs(dy[i * n + j] * dense[j * k + c]);
                }
                assertThat((double) dx[i * k + c]).as("dx[%d, %d]", i, c).isCloseTo(ref, org.assertj.core.api.Assertions.within(1e-5 * mag + 1e-6));
            }
        }
    }

    /**
     * x = the identity [K, K] gives y[m, n] = W[n, m]: every activation meets exactly one weight, so the
     * fused forward must return table[code] * absmax bit for bit. This pins the element order of the
     * wide loads (nibble position, lane, reordered activations), the per-lane absmax and the tail.
     */
    @ParameterizedTest(name = "K={0} blocksize={1}")
    @CsvSource({"320, 32", "320, 64", "384, 128", "256, 256"})
    void identityActivationsGiveTheDequantizedWeightExactly(int k, int blocksize) {
        int n = 6;
        FourBitWeight w = randomWeight(n, k, blocksize, NF4, k + blocksize);
        double[] dense = dequantize(w);
        float[] identity = new float[k * k];
        for (int i = 0; i < k; i++) identity[i * k + i] = 1f;
        float[] y = new float[k * n];
        FourBitMatmul.forward(identity, k, w, y, null);
        for (int m = 0; m < k; m++) {
            for (int j = 0; j < n; j++) assertThat(y[m * n + j]).as("y[%d, %d]", m, j).isEqualTo((float) dense[j * k + m]);
        }
    }

    @ParameterizedTest(name = "M={0}")
    @CsvSource({"1", "7"})
    void forwardIsTheSameOnOneThreadAndOnTwo(int m) {
        FourBitWeight w = randomWeight(300, 640, 64, NF4, 17);
        float[] x = random(m * 640, 19);
        float[] alone = new float[m * 300], shared = new float[m * 300];
        FourBitMatmul.forward(x, m, w, alone, null);
        FourBitMatmul.forward(x, m, w, shared, pool);
        assertThat(shared).containsExactly(alone);
    }

    @Test
    void aReusedGemmGivesTheSameManyRowsProductAsAFreshOne() {
        FourBitWeight w = randomWeight(48, 256, 64, NF4, 23);
        float[] x = random(20 * 256, 29);
        Gemm gemm = new Gemm(pool);
        float[] fresh = new float[20 * 48], reused = new float[20 * 48], again = new float[20 * 48];
        FourBitMatmul.forward(x, 20, w, fresh, pool);
        FourBitMatmul.forward(x, 20, w, reused, pool, gemm);
        FourBitMatmul.forward(x, 20, w, again, pool, gemm);
        assertThat(reused).containsExactly(fresh);
        assertThat(again).containsExactly(fresh);
    }

    @Test
    void rejectsWeightsWhoseRowsAreNotWholeBlocks() {
        assertThatThrownBy(() -> new FourBitWeight(MemorySegment.ofArray(new byte[48]), new float[1], NF4, 1, 96, 64))
                .hasMessageContaining("cols 96 is not a multiple of blocksize 64");
        assertThatThrownBy(() -> new FourBitWeight(MemorySegment.ofArray(new byte[32]), new float[1], NF4, 1, 64, 48))
                .hasMessageContaining("blocksize 48");
        assertThatThrownBy(() -> new FourBitWeight(MemorySegment.ofArray(new byte[64]), MemorySegment.ofArray(new byte[6]), NF4, 2, 64, 64))
                .hasMessageContaining("absmax holds 6 bytes, needs 2 float32 values");
        FourBitWeight w = randomWeight(4, 64, 64, NF4, 1);
        assertThatThrownBy(() -> FourBitMatmul.forward(new float[63], 1, w, new float[4], null)).hasMessageContaining("FourBitMatmul.forward");
    }
}
