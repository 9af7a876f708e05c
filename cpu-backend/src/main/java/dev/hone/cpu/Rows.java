package dev.hone.cpu;

import dev.hone.tensor.DType;
import dev.hone.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * A tensor seen as {@code rows x cols} along its last axis (a rank-0 tensor is one row of one element),
 * with any strides: row r starts at the element found by splitting r over the leading axes. Row loads
 * and stores go through {@link HostIo}, so fused row kernels work on F32 arrays whatever the dtype.
 * Immutable; safe to share between worker threads.
 */
final class Rows {
    final MemorySegment segment;
    final DType dtype;
    final long rows;
    final int cols;
    final long colStride;
    private final int[] outerDims;
    private final long[] outerStrides;
    private final long offset;

    private Rows(Tensor t) {
        this.segment = t.storage().segment();
        this.dtype = t.dtype();
        int rank = t.rank();
        int[] dims = t.shape().dims();
        long[] strides = t.layout().strides();
        this.cols = rank == 0 ? 1 : dims[rank - 1];
        this.colStride = rank == 0 ? 1 : strides[rank - 1];
        int outer = Math.max(rank - 1, 0);
        this.outerDims = java.util.Arrays.copyOf(dims, outer);
        this.outerStrides = java.util.Arrays.copyOf(strides, outer);
        long r = 1;
        for (int d : outerDims) r *= d;
        this.rows = r;
        this.offset = t.layout().offset();
    }

    static Rows of(Tensor t) { return new Rows(t); }

    /** Element index of row r's first element. */
    long start(long r) {
        long at = offset;
        for (int i = outerDims.length - 1; i >= 0; i--) {
            at += (r % outerDims[i]) * outerStrides[i];
            r /= outerDims[i];
        }
        return at;
    }

    void load(long r, float[] dst) { load(r, 0, cols, dst, 0); }

    void load(long r, int from, int n, float[] dst, int pos) {
        HostIo.load(segment, dtype, start(r) + from * colStride, colStride, dst, pos, n);
    }

    void store(long r, float[] src) { store(r, 0, cols, src, 0); }

    void store(long r, int from, int n, float[] src, int pos) {
        HostIo.store(src, pos, n, segment, dtype, start(r) + from * colStride, colStride);
    }
}
