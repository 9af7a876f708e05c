package dev.hone.cpu;

import dev.hone.tensor.DType;
import dev.hone.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * A tensor seen as {@code rows x cols} along its last axis (a rank-0 tensor is one row of one element),
 * with any strides: row r starts at the element found by splitting r over the leading axes (merged where
 * they are linear, so a contiguous tensor's row start is one multiply). Row loads
 * and stores go through {@link HostIo}, so fused row kernels work on F32 arrays whatever the dtype.
 * Immutable; safe to share between worker threads.
 */
final class Rows {
    final MemorySegment segment;
    final DType dtype;
    final long rows;
    final int cols;
    final long colStride;
    private final int[] outerDims;      // merged outer axes, innermost first
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
        long r = 1;
        for (int i = 0; i < rank - 1; i++) r *= dims[i];
        this.rows = r;
        this.offset = t.layout().offset();
        // Outer axes, innermost first, with size-1 axes dropped and an axis merged into the one inside it
        // when its stride is that axis's extent (row r then needs one division per remaining axis, not per axis).
        int[] mergedDims = new int[Math.max(rank - 1, 0)];
        long[] mergedStrides = new long[mergedDims.length];
        int count = 0;
        for (int i = rank - 2; i >= 0; i--) {
            if (dims[i] == 1) continue;
            if (count > 0 && strides[i] == mergedStrides[count - 1] * mergedDims[count - 1]) {
                mergedDims[count - 1] = Math.multiplyExact(mergedDims[count - 1], dims[i]);
                continue;
            }
            mergedDims[count] = dims[i];
            mergedStrides[count++] = strides[i];
        }
        this.outerDims = java.util.Arrays.copyOf(mergedDims, count);
        this.outerStrides = java.util.Arrays.copyOf(mergedStrides, count);
    }

    static Rows of(Tensor t) { return new Rows(t); }

    /** Element index of row r's first element. */
    long start(long r) {
        int axes = outerDims.length;
        if (axes == 0) return offset;
        if (axes == 1) return offset + r * outerStrides[0];
        long at = offset;
        if (r <= Integer.MAX_VALUE) {                       // 32-bit division is several times cheaper
            int rest = (int) r;
            for (int i = 0; i < axes; i++) {
                at += (rest % outerDims[i]) * outerStrides[i];
                rest /= outerDims[i];
            }
            return at;
        }
        for (int i = 0; i < axes; i++) {
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
