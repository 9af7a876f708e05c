package dev.hone.cuda.blas;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * The one place where Hone's row-major matrices meet cuBLAS's column-major convention.
 *
 * <p>A row-major M×N matrix C with row stride N is, read column-major with leading dimension N, the
 * N×M matrix Cᵀ. So C = A·B (row-major) is computed as Cᵀ = Bᵀ·Aᵀ (column-major): cuBLAS's first
 * operand is our B, its second our A, and its (m, n, k) is our (N, M, K). Each operand's transpose
 * flag and leading dimension come from its strides:
 * <ul>
 *   <li>a row-major view (last stride 1, row stride r) read column-major is already the transpose
 *       cuBLAS needs: op N, ld = r;</li>
 *   <li>a transposed view (second-to-last stride 1, column stride c) is the matrix itself in
 *       column-major: op T, ld = c;</li>
 *   <li>anything else (both strides ≠ 1, broadcast rows, strides past int range) has no cuBLAS form
 *       and {@link #of} returns empty: the caller copies that operand to a contiguous buffer first.</li>
 * </ul>
 * The output must be contiguous row-major, so ldc = N and the batch stride of C is M·N. A batch is
 * described by one stride per operand (0 when broadcast); {@link #collapseBatch} derives it.
 */
public record GemmPlan(Operation transa, Operation transb, int m, int n, int k, int lda, int ldb, int ldc,
                       long strideA, long strideB, long strideC, int batchCount) {

    /** cublasOperation_t: CUBLAS_OP_N = 0, CUBLAS_OP_T = 1. */
    public enum Operation {
        N(0), T(1);
        private final int cublasValue;

        Operation(int cublasValue) { this.cublasValue = cublasValue; }

        public int cublasValue() { return cublasValue; }
    }

    /** How one row-major operand (rows × cols with the given strides) reads as a cuBLAS operand: op and leading dimension. */
    record Operand(Operation op, int ld) { }

    static Optional<Operand> operand(int rows, int cols, long rowStride, long colStride) {
        if (colStride == 1 || cols == 1) {
            long ld = rows == 1 ? Math.max(cols, 1) : rowStride;
            if (ld >= Math.max(cols, 1) && ld <= Integer.MAX_VALUE) return Optional.of(new Operand(Operation.N, (int) ld));
        }
        if (rowStride == 1 || rows == 1) {
            long ld = cols == 1 ? Math.max(rows, 1) : colStride;
            if (ld >= Math.max(rows, 1) && ld <= Integer.MAX_VALUE) return Optional.of(new Operand(Operation.T, (int) ld));
        }
        return Optional.empty();
    }

    /**
     * The cuBLAS call for out[b] = A[b]·B[b] with A [M, K] (strides aRow, aCol), B [K, N] (strides bRow, bCol),
     * out [M, N] contiguous, over {@code batch} matrices whose starts are aBatch / bBatch elements apart.
     */
    public static Optional<GemmPlan> of(int m, int n, int k, long aRow, long aCol, long bRow, long bCol,
                                        int batch, long aBatch, long bBatch) {
        Optional<Operand> first = operand(k, n, bRow, bCol);      // cuBLAS A := our B
        Optional<Operand> second = operand(m, k, aRow, aCol);     // cuBLAS B := our A
        if (first.isEmpty() || second.isEmpty()) return Optional.empty();
        return Optional.of(new GemmPlan(first.get().op(), second.get().op(), n, m, k, first.get().ld(), second.get().ld(), Math.max(n, 1),
                bBatch, aBatch, (long) m * n, batch));
    }

    /**
     * One element stride that steps through all batch indices in row-major order, or empty when the
     * batch axes cannot be flattened into a single stride (then the operand is copied first).
     * Size-1 axes are ignored; a fully broadcast batch has stride 0.
     */
    public static OptionalLong collapseBatch(int[] dims, long[] strides) {
        long stride = -1;
        long expected = -1;
        for (int i = dims.length - 1; i >= 0; i--) {
            if (dims[i] == 1) continue;
            if (stride < 0) {
                stride = strides[i];
            } else if (strides[i] != expected) {
                return OptionalLong.empty();
            }
            expected = strides[i] * dims[i];
        }
        return OptionalLong.of(Math.max(stride, 0));
    }
}
