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
        float[] a = random(ROWS * lda, 1), b = random(DEPTH * ldb, 2), c = random(ROWS * ldc, 3);
        float[] expected = plainProduct(c, ldc, (x, z) -> a[x * lda + z], b, ldb, width);
        AttentionProducts.rowsTimes(a, 0, lda, ROWS, b, 0, ldb, width, DEPTH, c, 0, ldc);
        assertThat(c).containsExactly(expected);
    }

    @Test
    void columnsTimesReadsATransposed() {
        int width = 3 * LANES, ldb = width + 1, ldc = width + 5;
        float[] a = random(DEPTH * QUERY_BLOCK, 4), b = random(DEPTH * ldb, 5), c = random(QUERY_BLOCK * ldc, 6);
        float[] expected = plainProduct(c, ldc, (x, z) -> a[z * QUERY_BLOCK + x], b, ldb, width);
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

    /** Element a(x, z) of A, wherever the layout keeps it. */
    private interface AElement { float at(int x, int z); }

    /** c + A·B for ROWS x width with DEPTH, as plain fma loops in increasing z (c itself unchanged). */
    private static float[] plainProduct(float[] c, int ldc, AElement a, float[] b, int ldb, int width) {
        float[] result = c.clone();
        for (int x = 0; x < ROWS; x++) {
            for (int y = 0; y < width; y++) {
                float sum = result[x * ldc + y];
                for (int z = 0; z < DEPTH; z++) sum = Math.fma(a.at(x, z), b[z * ldb + y], sum);
                result[x * ldc + y] = sum;
            }
        }
        return result;
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }
}
