package dev.hone.cpu.kernels;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.hone.cpu.kernels.AttentionProducts.LANES;
import static dev.hone.cpu.kernels.AttentionProducts.QUERY_BLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The attention tile products against plain loops, and their whole-vector width rule. */
class AttentionProductsTest {
    private static final int ROWS = 16, DEPTH = 7;

    @Test
    void rowsTimesAddsTheProductToC() {
        int width = 3 * LANES, lda = DEPTH + 2, ldb = width + LANES, ldc = width + 3;
        float[] a = random(ROWS * lda, 1), b = random(DEPTH * ldb, 2), c = random(ROWS * ldc, 3), expected = c.clone();
        for (int x = 0; x < ROWS; x++) {
            for (int y = 0; y < width; y++) {
                float sum = expected[x * ldc + y];
                for (int z = 0; z < DEPTH; z++) sum = Math.fma(a[x * lda + z], b[z * ldb + y], sum);
                expected[x * ldc + y] = sum;
            }
        }
        AttentionProducts.rowsTimes(a, 0, lda, ROWS, b, 0, ldb, width, DEPTH, c, 0, ldc);
        assertThat(c).containsExactly(expected);
    }

    @Test
    void columnsTimesReadsATransposed() {
        int width = 3 * LANES, ldb = width + 1, ldc = width + 5;
        float[] a = random(DEPTH * QUERY_BLOCK, 4), b = random(DEPTH * ldb, 5), c = random(QUERY_BLOCK * ldc, 6), expected = c.clone();
        for (int x = 0; x < ROWS; x++) {
            for (int y = 0; y < width; y++) {
                float sum = expected[x * ldc + y];
                for (int z = 0; z < DEPTH; z++) sum = Math.fma(a[z * QUERY_BLOCK + x], b[z * ldb + y], sum);
                expected[x * ldc + y] = sum;
            }
        }
        AttentionProducts.columnsTimes(a, 0, ROWS, b, 0, ldb, width, DEPTH, c, 0, ldc);
        assertThat(c).containsExactly(expected);
    }

    @Test
    void widthsOffWholeVectorsAreRejected() {
        float[] any = new float[4096];
        assertThatThrownBy(() -> AttentionProducts.rowsTimes(any, 0, 8, 8, any, 0, 64, LANES / 2, 4, any, 0, 64))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rowsTimes").hasMessageContaining("width " + LANES / 2);
        assertThatThrownBy(() -> AttentionProducts.columnsTimes(any, 0, 8, any, 0, 64, LANES + 1, 4, any, 0, 64))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("columnsTimes");
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }
}
