package dev.hone.cuda.blas;

import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the row-major → cuBLAS mapping by executing each plan with a plain-Java model of cuBLAS's
 * documented column-major semantics (C[i + j*ldc] = sum_l op(A)(i, l) * op(B)(l, j), X(i, j) at
 * X[i + j*ld], op T swapping the indices, batch b offset by b * stride) and comparing with a direct
 * row-major product of the same strided views.
 */
class GemmPlanTest {

    /** A strided row-major view into a flat array: element (r, c) of batch b at off + b*batch + r*rs + c*cs. */
    record View(double[] data, int rows, int cols, long rowStride, long colStride, long batchStride) {
        double at(int b, int r, int c) { return data[(int) (b * batchStride + r * rowStride + c * colStride)]; }
    }

    private static View view(Random rnd, int batch, int rows, int cols, boolean transposed, int pad, boolean broadcastBatch) {
        long rs = transposed ? 1 : cols + pad, cs = transposed ? rows + pad : 1;
        long perMatrix = transposed ? (long) (rows + pad) * cols : (long) rows * (cols + pad);
        long bs = broadcastBatch ? 0 : perMatrix;
        double[] data = new double[(int) (perMatrix * (broadcastBatch ? 1 : batch))];
        for (int i = 0; i < data.length; i++) data[i] = rnd.nextInt(7) - 3;
        return new View(data, rows, cols, rs, cs, bs);
    }

    /** cuBLAS's gemmStridedBatched as documented, on flat arrays; cuBLAS A is our B and cuBLAS B our A (GemmPlan). */
    private static double[] runPlan(GemmPlan p, View a, View b) {
        double[] c = new double[(int) (p.strideC() * p.batchCount())];
        for (int batch = 0; batch < p.batchCount(); batch++) {
            for (int i = 0; i < p.m(); i++) {
                for (int j = 0; j < p.n(); j++) {
                    double sum = 0;
                    for (int l = 0; l < p.k(); l++) {
                        double opA = element(b.data(), batch * p.strideA(), p.lda(), p.transa(), i, l);
                        double opB = element(a.data(), batch * p.strideB(), p.ldb(), p.transb(), l, j);
                        sum += opA * opB;
                    }
                    c[(int) (batch * p.strideC() + i + (long) j * p.ldc())] = sum;
                }
            }
        }
        return c;
    }

    private static double element(double[] x, long offset, int ld, GemmPlan.Operation op, int i, int j) {
        return op == GemmPlan.Operation.N ? x[(int) (offset + i + (long) j * ld)] : x[(int) (offset + j + (long) i * ld)];
    }

    private static double[] rowMajorProduct(int batch, View a, View b) {
        int m = a.rows(), k = a.cols(), n = b.cols();
        double[] c = new double[batch * m * n];
        for (int bi = 0; bi < batch; bi++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int l = 0; l < k; l++) s += a.at(bi, i, l) * b.at(bi, l, j);
                    c[bi * m * n + i * n + j] = s;
                }
        return c;
    }

    @Test
    void everyTransposeAndPaddingCombinationMatchesTheRowMajorProduct() {
        Random rnd = new Random(7);
        int[][] sizes = {{3, 5, 4}, {1, 6, 2}, {4, 1, 3}, {2, 3, 1}, {5, 5, 5}};
        for (int[] s : sizes) {
            int m = s[0], n = s[1], k = s[2];
            for (int mode = 0; mode < 16; mode++) {
                boolean aT = (mode & 1) != 0, bT = (mode & 2) != 0, bBroadcast = (mode & 4) != 0;
                int pad = (mode & 8) != 0 ? 2 : 0;
                int batch = 3;
                View a = view(rnd, batch, m, k, aT, pad, false);
                View b = view(rnd, batch, k, n, bT, pad, bBroadcast);
                Optional<GemmPlan> plan = GemmPlan.of(m, n, k, a.rowStride(), a.colStride(), b.rowStride(), b.colStride(), batch, a.batchStride(), b.batchStride());
                assertThat(plan).as("plan for m=%d n=%d k=%d mode=%d", m, n, k, mode).isPresent();
                assertThat(runPlan(plan.get(), a, b)).as("m=%d n=%d k=%d aT=%s bT=%s pad=%d", m, n, k, aT, bT, pad)
                        .containsExactly(rowMajorProduct(batch, a, b));
            }
        }
    }

    @Test
    void theContiguousCaseIsTheTextbookSwap() {
        GemmPlan p = GemmPlan.of(2, 3, 4, 4, 1, 3, 1, 1, 8, 12).orElseThrow();
        assertThat(p).isEqualTo(new GemmPlan(GemmPlan.Operation.N, GemmPlan.Operation.N, 3, 2, 4, 3, 4, 3, 12, 8, 6, 1));
    }

    @Test
    void viewsWithoutAUnitStrideHaveNoPlan() {
        assertThat(GemmPlan.of(2, 3, 4, 8, 2, 3, 1, 1, 0, 0)).isEmpty();        // A with column stride 2
        assertThat(GemmPlan.of(2, 3, 4, 4, 1, 0, 1, 1, 0, 0)).isEmpty();        // B rows broadcast (row stride 0)
    }

    @Test
    void batchAxesCollapseOnlyWhenOneStrideWalksThemAll() {
        assertThat(GemmPlan.collapseBatch(new int[] {2, 3}, new long[] {60, 20})).hasValue(20);
        assertThat(GemmPlan.collapseBatch(new int[] {2, 3}, new long[] {0, 0})).hasValue(0);
        assertThat(GemmPlan.collapseBatch(new int[] {2, 1, 3}, new long[] {60, 999, 20})).hasValue(20);
        assertThat(GemmPlan.collapseBatch(new int[] {}, new long[] {})).hasValue(0);
        assertThat(GemmPlan.collapseBatch(new int[] {2, 3}, new long[] {0, 20})).isEmpty();
        assertThat(GemmPlan.collapseBatch(new int[] {2, 3}, new long[] {100, 20})).isEmpty();
    }
}
