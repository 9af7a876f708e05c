package dev.hone.cpu;

import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.Elements;
import dev.hone.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Strided copy and fill for every dtype, moving raw element bytes (no conversion, so exact for integers
 * and NaN payloads). Runs contiguous on both sides become one bulk copy; other runs copy element by
 * element with the width of the dtype.
 */
final class CopyOps {
    private final WorkerPool pool;

    CopyOps(WorkerPool pool) { this.pool = pool; }

    void copy(Tensor x, Tensor out) {
        Walk w = Walk.of(out.layout(), x.layout());
        int width = x.dtype().byteSize();
        MemorySegment src = x.storage().segment(), dst = out.storage().segment();
        Chunks.forEach(pool, w, () -> (row, col, n) ->
                copyRun(src, w.start(1, row, col), w.colStride(1), dst, w.start(0, row, col), w.colStride(0), n, width));
    }

    /** Every element of out = value: one element is encoded once, then replicated. */
    void fill(Tensor out, double value) {
        int width = out.dtype().byteSize();
        MemorySegment pattern = MemorySegment.ofArray(new byte[Chunks.CHUNK * width]);
        Elements.write(pattern, out.dtype(), 0, value);
        for (int filled = 1; filled < Chunks.CHUNK; filled *= 2) {
            MemorySegment.copy(pattern, 0, pattern, (long) filled * width, (long) Math.min(filled, Chunks.CHUNK - filled) * width);
        }
        Walk w = Walk.of(out.layout());
        MemorySegment dst = out.storage().segment();
        Chunks.forEach(pool, w, () -> (row, col, n) -> copyRun(pattern, 0, 1, dst, w.start(0, row, col), w.colStride(0), n, width));
    }

    static void copyRun(MemorySegment src, long from, long srcStride, MemorySegment dst, long to, long dstStride,
                                int n, int width) {
        if (srcStride == 1 && dstStride == 1) {
            MemorySegment.copy(src, from * width, dst, to * width, (long) n * width);
            return;
        }
        switch (width) {
            case 1 -> copyBytes(src, from, srcStride, dst, to, dstStride, n);
            case 2 -> copyShorts(src, from, srcStride, dst, to, dstStride, n);
            case 4 -> copyInts(src, from, srcStride, dst, to, dstStride, n);
            default -> copyLongs(src, from, srcStride, dst, to, dstStride, n);
        }
    }

    private static void copyBytes(MemorySegment src, long from, long ss, MemorySegment dst, long to, long ds, int n) {
        for (int i = 0; i < n; i++) dst.set(ValueLayout.JAVA_BYTE, to + i * ds, src.get(ValueLayout.JAVA_BYTE, from + i * ss));
    }

    private static void copyShorts(MemorySegment src, long from, long ss, MemorySegment dst, long to, long ds, int n) {
        for (int i = 0; i < n; i++) {
            dst.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, to + i * ds, src.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, from + i * ss));
        }
    }

    private static void copyInts(MemorySegment src, long from, long ss, MemorySegment dst, long to, long ds, int n) {
        for (int i = 0; i < n; i++) {
            dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, to + i * ds, src.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, from + i * ss));
        }
    }

    private static void copyLongs(MemorySegment src, long from, long ss, MemorySegment dst, long to, long ds, int n) {
        for (int i = 0; i < n; i++) {
            dst.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, to + i * ds, src.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, from + i * ss));
        }
    }
}
