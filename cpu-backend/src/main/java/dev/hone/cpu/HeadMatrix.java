package dev.hone.cpu;

import dev.hone.cpu.kernels.Casts;
import dev.hone.tensor.DType;
import dev.hone.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * One (b, head) slice of a rank-4 attention tensor ([B, H, N, D], any strides) seen as an N x D matrix,
 * with row-range loads into and stores from F32 working arrays whose rows are {@code width >= D} floats
 * apart (the padding columns are left alone). Rows that are contiguous in memory (unit column stride,
 * row stride D, no padding) move in one bulk copy; F32 rows with unit column stride (the heads of a
 * [B, T, H, D] tensor) in whole vectors row by row; otherwise row by row through {@link HostIo}. The
 * start and strides are computed once, not per row. Immutable; safe to share between threads.
 */
record HeadMatrix(MemorySegment segment, DType dtype, long start, long rowStride, long colStride, int cols) {

    static HeadMatrix of(Tensor t, int b, int head) {
        long[] strides = t.layout().strides();
        long start = t.layout().offset() + b * strides[0] + head * strides[1];
        return new HeadMatrix(t.storage().segment(), t.dtype(), start, strides[2], strides[3], t.dim(3));
    }

    /** dst[at + i * width + j] = row (from + i), element j, for i < count and j < cols. */
    void load(int from, int count, float[] dst, int at, int width) {
        if (contiguous(width)) {
            HostIo.load(segment, dtype, start + from * rowStride, 1, dst, at, count * cols);
            return;
        }
        if (dtype == DType.F32 && colStride == 1) {
            Casts.loadF32Rows(segment, start + from * rowStride, rowStride, count, cols, dst, at, width);
            return;
        }
        for (int i = 0; i < count; i++) {
            HostIo.load(segment, dtype, start + (from + i) * rowStride, colStride, dst, at + i * width, cols);
        }
    }

    /** Row (from + i), element j = src[at + i * width + j], for i < count and j < cols. */
    void store(float[] src, int at, int width, int from, int count) {
        if (contiguous(width)) {
            HostIo.store(src, at, count * cols, segment, dtype, start + from * rowStride, 1);
            return;
        }
        if (dtype == DType.F32 && colStride == 1) {
            Casts.storeF32Rows(src, at, width, count, cols, segment, start + from * rowStride, rowStride);
            return;
        }
        for (int i = 0; i < count; i++) {
            HostIo.store(src, at + i * width, cols, segment, dtype, start + (from + i) * rowStride, colStride);
        }
    }

    private boolean contiguous(int width) { return colStride == 1 && rowStride == cols && width == cols; }
}
