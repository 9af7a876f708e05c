package dev.hone.cpu.gemm;

import dev.hone.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * One product term alpha · A·B of {@link Gemm#gemmSum}: A [m x k] and B [k x n] given as strided views
 * exactly as in {@link Gemm#gemm} (element (i, q) of A at element index aOff + i*aRowStride + q*aColStride
 * of segment a; likewise B (q, j)), with aType/bType ∈ {F32, BF16, F16}. m and n come from the call, k
 * from the term, so the two terms of a sum may have different depths (a LoRA rank of 16 next to a model
 * width of 768). A value: it holds the segments, it copies nothing.
 */
public record GemmTerm(int k, float alpha,
                       DType aType, MemorySegment a, long aOff, long aRowStride, long aColStride,
                       DType bType, MemorySegment b, long bOff, long bRowStride, long bColStride) {

    public GemmTerm {
        if (k < 0) throw new IllegalArgumentException("GemmTerm: negative depth k = " + k);
        if (a == null || b == null) throw new IllegalArgumentException("GemmTerm: segments must not be null");
    }

    /** The term as a blocked-GEMM term after checking dtypes and, when it is read, bounds for [m x k]·[k x n]. */
    BlockedGemm.Term checkedTerm(String op, String name, int m, int n) {
        Gemm.checkInputType(op, name + " A", aType);
        Gemm.checkInputType(op, name + " B", bType);
        MatrixView av = new MatrixView(aType, a, aOff, aRowStride, aColStride);
        MatrixView bv = new MatrixView(bType, b, bOff, bRowStride, bColStride);
        if (k > 0 && alpha != 0f) {
            av.checkBounds(op, name + " A", m, k);
            bv.checkBounds(op, name + " B", k, n);
        }
        return new BlockedGemm.Term(k, alpha, av, bv);
    }

    /** C = alpha * A·B + beta * C through the plain {@link Gemm#gemm}. */
    void multiplyInto(Gemm gemm, int m, int n, float beta, MemorySegment c, long cOff, long ldc) {
        gemm.gemm(m, n, k, alpha, aType, a, aOff, aRowStride, aColStride, bType, b, bOff, bRowStride, bColStride,
                beta, c, cOff, ldc);
    }

    boolean accessibleBy(Thread thread) { return a.isAccessibleBy(thread) && b.isAccessibleBy(thread); }
}
