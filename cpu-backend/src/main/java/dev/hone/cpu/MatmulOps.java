package dev.hone.cpu;

import dev.hone.cpu.gemm.Gemm;
import dev.hone.cpu.gemm.GemmTerm;
import dev.hone.cpu.gemm.MatrixView;
import dev.hone.tensor.DType;
import dev.hone.tensor.Layout;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Storage;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;

/**
 * Batched strided matmul mapped onto {@link Gemm} calls, one per batch element. Gemm reads any 2-D
 * strides (row-major, transposed with row stride 1, or general, packing panels as it goes), so neither
 * input is ever copied: each batch element passes its own offset and the view's last two strides.
 * The output goes straight to Gemm when it is F32 with unit column stride; otherwise (BF16/F16 output,
 * or a strided F32 output) each batch element is computed into an F32 temporary (seeded from out when
 * beta != 0) and then converted into out.
 */
final class MatmulOps {
    private final Gemm gemm;
    private final Backend backend;
    private final ElementwiseOps elementwise;

    MatmulOps(Gemm gemm, Backend backend, ElementwiseOps elementwise) {
        this.gemm = gemm;
        this.backend = backend;
        this.elementwise = elementwise;
    }

    void matmul(Tensor a, Tensor b, Tensor out, float alpha, float beta) {
        int rank = out.rank();
        int m = out.dim(-2), n = out.dim(-1), k = a.dim(-1);
        if ((long) m * n == 0) return;
        int[] batchDims = java.util.Arrays.copyOf(out.shape().dims(), rank - 2);
        long batches = Shape.of(batchDims).numel();
        boolean direct = out.dtype() == DType.F32 && (out.stride(-1) == 1 || n == 1);
        Storage temp = direct ? null : backend.allocate(DType.F32, (long) m * n);
        try {
            for (long bi = 0; bi < batches; bi++) {
                long aOff = batchOffset(a.layout(), batchDims, bi), bOff = batchOffset(b.layout(), batchDims, bi);
                long oOff = batchOffset(out.layout(), batchDims, bi);
                if (direct) {
                    run(a, aOff, b, bOff, m, n, k, alpha, beta, out.storage(), oOff, out.stride(-2));
                } else {
                    Layout slice = new Layout(Shape.of(m, n), new long[] {out.stride(-2), out.stride(-1)}, oOff);
                    Tensor outSlice = Tensor.wrap(out.storage(), slice, backend);
                    Tensor tempTensor = Tensor.wrap(temp, Layout.contiguous(Shape.of(m, n)), backend);
                    if (beta != 0) elementwise.cast(outSlice, tempTensor);
                    run(a, aOff, b, bOff, m, n, k, alpha, beta, temp, 0, n);
                    elementwise.cast(tempTensor, outSlice);
                }
            }
        } finally {
            if (temp != null) temp.release();
        }
    }

    /**
     * out = alpha1 · a1·b1 + alpha2 · a2·b2 + beta · out in one pass over out ({@link Gemm#gemmSum}) for
     * matrices with an F32 row-major out; returns false (nothing done) for other outputs, which the caller
     * computes as two matmuls.
     */
    boolean matmulSum(Tensor a1, Tensor b1, float alpha1, Tensor a2, Tensor b2, float alpha2, Tensor out, float beta) {
        if (out.rank() != 2 || out.dtype() != DType.F32 || (out.stride(-1) != 1 && out.dim(-1) != 1)) return false;
        int m = out.dim(0), n = out.dim(1);
        if ((long) m * n == 0) return true;
        gemm.gemmSum(m, n, term(a1, b1, alpha1), term(a2, b2, alpha2), beta,
                out.storage().segment(), out.layout().offset(), out.stride(0));
        return true;
    }

    /**
     * xn = x·n and d = beta·d + scale·xᵀ·h in one pass over x ({@link Gemm#narrowProducts}); returns false
     * (nothing done) for operands outside its fused path, which the caller computes as matmuls.
     */
    boolean narrowProducts(Tensor x, Tensor n, Tensor xn, Tensor h, float scale, Tensor d, float beta) {
        return gemm.narrowProducts(x.dim(0), x.dim(1), h.dim(1), view(x), n == null ? null : view(n),
                xn == null ? null : view(xn), view(h), scale, view(d), beta);
    }

    private static MatrixView view(Tensor t) {
        return new MatrixView(t.dtype(), t.storage().segment(), t.layout().offset(), t.stride(0), t.stride(1));
    }

    private static GemmTerm term(Tensor a, Tensor b, float alpha) {
        return new GemmTerm(a.dim(1), alpha,
                a.dtype(), a.storage().segment(), a.layout().offset(), a.stride(0), a.stride(1),
                b.dtype(), b.storage().segment(), b.layout().offset(), b.stride(0), b.stride(1));
    }

    private void run(Tensor a, long aOff, Tensor b, long bOff, int m, int n, int k, float alpha, float beta,
                     Storage c, long cOff, long ldc) {
        gemm.gemm(m, n, k, alpha,
                a.dtype(), a.storage().segment(), aOff, a.stride(-2), a.stride(-1),
                b.dtype(), b.storage().segment(), bOff, b.stride(-2), b.stride(-1),
                beta, c.segment(), cOff, ldc);
    }

    /** Element offset of batch element {@code index} (row-major over batchDims) in a view whose batch axes align right. */
    private static long batchOffset(Layout layout, int[] batchDims, long index) {
        long[] strides = layout.strides();
        int own = strides.length - 2, skip = batchDims.length - own;
        long at = layout.offset();
        for (int i = batchDims.length - 1; i >= 0; i--) {
            long coordinate = index % batchDims[i];
            index /= batchDims[i];
            if (i >= skip) at += coordinate * strides[i - skip];
        }
        return at;
    }
}
