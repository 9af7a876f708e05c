package dev.hone.cpu;

import dev.hone.cpu.kernels.Reductions;
import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.Elements;
import dev.hone.tensor.Layout;
import dev.hone.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * gather (every dtype, raw element bytes) and scatterAdd (F32/BF16/F16, F32 arithmetic). Both walk the
 * index jointly with a view of the indexed tensor whose indexed axis has stride 0; the index value
 * then adds {@code index * stride(axis)}. When the index is constant along a run (stride 0: the
 * row-broadcast index of indexSelect/indexAdd, i.e. embedding lookups and their gradients) the run is
 * one bulk copy or one vector add. scatterAdd runs on one thread: different index entries may hit the
 * same output element. An index outside the axis throws naming the op, the index, the axis and shape.
 */
final class IndexOps {
    private final WorkerPool pool;

    IndexOps(WorkerPool pool) { this.pool = pool; }

    /** The indexed tensor seen with index's shape and its indexed axis flattened to stride 0. */
    private static Layout withoutAxis(Tensor t, int axis, Tensor index) {
        long[] strides = t.layout().strides();
        strides[axis] = 0;
        return new Layout(index.shape(), strides, t.layout().offset());
    }

    void gather(Tensor x, int axis, Tensor index, Tensor out) {
        Walk w = Walk.of(out.layout(), index.layout(), withoutAxis(x, axis, index));
        int width = x.dtype().byteSize(), size = x.dim(axis);
        long axisStride = x.stride(axis);
        MemorySegment xs = x.storage().segment(), is = index.storage().segment(), os = out.storage().segment();
        Chunks.forEach(pool, w, () -> (row, col, n) -> {
            long outAt = w.start(0, row, col), indexAt = w.start(1, row, col), srcAt = w.start(2, row, col);
            if (w.colStride(1) == 0) {
                long i = checked("gather", Elements.readLong(is, index.dtype(), indexAt), axis, size, x);
                CopyOps.copyRun(xs, srcAt + i * axisStride, w.colStride(2), os, outAt, w.colStride(0), n, width);
                return;
            }
            for (int e = 0; e < n; e++) {
                long i = checked("gather", Elements.readLong(is, index.dtype(), indexAt + e * w.colStride(1)), axis, size, x);
                CopyOps.copyRun(xs, srcAt + e * w.colStride(2) + i * axisStride, 1, os, outAt + e * w.colStride(0), 1, 1, width);
            }
        });
    }

    void scatterAdd(Tensor out, int axis, Tensor index, Tensor src) {
        Walk w = Walk.of(src.layout(), index.layout(), withoutAxis(out, axis, index));
        int size = out.dim(axis);
        long axisStride = out.stride(axis);
        MemorySegment ss = src.storage().segment(), is = index.storage().segment(), os = out.storage().segment();
        float[] values = new float[Chunks.CHUNK], target = new float[Chunks.CHUNK];
        for (long row = 0; row < w.rows; row++) {
            for (long col = 0; col < w.cols; col += Chunks.CHUNK) {
                int n = (int) Math.min(Chunks.CHUNK, w.cols - col);
                long srcAt = w.start(0, row, col), indexAt = w.start(1, row, col), outAt = w.start(2, row, col);
                HostIo.load(ss, src.dtype(), srcAt, w.colStride(0), values, 0, n);
                if (w.colStride(1) == 0) {
                    long at = outAt + checked("scatterAdd", Elements.readLong(is, index.dtype(), indexAt), axis, size, out) * axisStride;
                    HostIo.load(os, out.dtype(), at, w.colStride(2), target, 0, n);
                    Reductions.accumulateSum(target, values, n);
                    HostIo.store(target, 0, n, os, out.dtype(), at, w.colStride(2));
                    continue;
                }
                for (int e = 0; e < n; e++) {
                    long i = checked("scatterAdd", Elements.readLong(is, index.dtype(), indexAt + e * w.colStride(1)), axis, size, out);
                    long at = outAt + e * w.colStride(2) + i * axisStride;
                    HostIo.load(os, out.dtype(), at, 1, target, 0, 1);
                    target[0] += values[e];
                    HostIo.store(target, 0, 1, os, out.dtype(), at, 1);
                }
            }
        }
    }

    private static long checked(String op, long value, int axis, int size, Tensor target) {
        if (value < 0 || value >= size) {
            throw new IndexOutOfBoundsException(op + ": index " + value + " out of range for axis " + axis + " of size "
                    + size + " (tensor shape " + target.shape() + ")");
        }
        return value;
    }
}
