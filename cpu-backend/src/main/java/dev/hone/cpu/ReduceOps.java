package dev.hone.cpu;

import dev.hone.cpu.kernels.Reductions;
import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.Layout;
import dev.hone.tensor.Shape;
import dev.hone.tensor.StridedIndex;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.ReduceOp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * SUM, MEAN, MAX, MIN and ARGMAX over a set of axes for F32, BF16 and F16 inputs, accumulating in F32.
 * The input splits into a kept part (the output's elements) and a reduced part. When the reduced part
 * is one contiguous run (reducing trailing axes), each output element is a vector reduction of its
 * run ("row" path). Otherwise every reduced position adds a chunk of the kept part's innermost row
 * into F32 accumulators ("column" path, vectorised across output elements). ARGMAX scans its one
 * axis: the first index of the largest value, NaN counting as largest (as the reference and PyTorch).
 */
final class ReduceOps {
    private final WorkerPool pool;

    ReduceOps(WorkerPool pool) { this.pool = pool; }

    /** The input's axes split into kept (paired with the output's strides) and reduced. */
    private record Split(Layout keptX, Layout keptOut, Layout reduced, long count) {
        static Split of(Tensor x, int[] axes, Tensor out) {
            int[] dims = x.shape().dims();
            long[] xs = x.layout().strides(), os = out.layout().strides();
            boolean[] isReduced = new boolean[dims.length];
            for (int a : axes) isReduced[a] = true;
            int nr = axes.length, nk = dims.length - nr;
            int[] kd = new int[nk], rd = new int[nr];
            long[] kxs = new long[nk], kos = new long[nk], rs = new long[nr];
            long count = 1;
            for (int i = 0, k = 0, r = 0; i < dims.length; i++) {
                if (isReduced[i]) {
                    rd[r] = dims[i];
                    rs[r++] = xs[i];
                    count *= dims[i];
                } else {
                    kd[k] = dims[i];
                    kxs[k] = xs[i];
                    kos[k++] = os[i];
                }
            }
            return new Split(new Layout(Shape.of(kd), kxs, x.layout().offset()), new Layout(Shape.of(kd), kos, out.layout().offset()),
                    new Layout(Shape.of(rd), rs, 0), count);
        }
    }

    void reduce(ReduceOp op, Tensor x, int[] axes, Tensor out) {
        Split split = Split.of(x, axes, out);
        if (op == ReduceOp.ARGMAX) {
            argmax(x, split, out);
            return;
        }
        Walk reducedRun = Walk.of(split.reduced);
        if (split.count == 0 || (reducedRun.rows == 1 && reducedRun.colStride(0) == 1 && split.count >= 16)) rowPath(op, x, split, out);
        else columnPath(op, x, split, out);
    }

    private void rowPath(ReduceOp op, Tensor x, Split split, Tensor out) {
        Walk kept = Walk.of(split.keptOut, split.keptX);
        long count = split.count;
        MemorySegment xs = x.storage().segment(), os = out.storage().segment();
        Chunks.forRanges(pool, kept.rows * kept.cols, Math.max(1, Chunks.PARALLEL_GRAIN / Math.max(1, count)), (from, to) -> {
            float[] buf = new float[(int) Math.min(Chunks.CHUNK, Math.max(1, count))];
            float[] one = new float[1];
            for (long e = from; e < to; e++) {
                long row = e / kept.cols, col = e % kept.cols;
                long base = kept.start(1, row, col);
                float acc = identity(op);
                for (long done = 0; done < count; done += buf.length) {
                    int n = (int) Math.min(buf.length, count - done);
                    HostIo.load(xs, x.dtype(), base + done, 1, buf, 0, n);
                    acc = combine(op, acc, reduceRun(op, buf, n));
                }
                one[0] = finish(op, acc, count);
                HostIo.store(one, 0, 1, os, out.dtype(), kept.start(0, row, col), 1);
            }
        });
    }

    private void columnPath(ReduceOp op, Tensor x, Split split, Tensor out) {
        Walk kept = Walk.of(split.keptOut, split.keptX);
        long count = split.count;
        MemorySegment xs = x.storage().segment(), os = out.storage().segment();
        Chunks.forEach(pool, kept, () -> {
            float[] acc = new float[Chunks.CHUNK], buf = new float[Chunks.CHUNK];
            return (row, col, n) -> {
                Arrays.fill(acc, 0, n, identity(op));
                long base = kept.start(1, row, col);
                StridedIndex reduced = new StridedIndex(split.reduced);
                while (reduced.hasNext()) {
                    HostIo.load(xs, x.dtype(), base + reduced.next(), kept.colStride(1), buf, 0, n);
                    accumulate(op, acc, buf, n);
                }
                for (int i = 0; i < n; i++) acc[i] = finish(op, acc[i], count);
                HostIo.store(acc, 0, n, os, out.dtype(), kept.start(0, row, col), kept.colStride(0));
            };
        });
    }

    private static float identity(ReduceOp op) {
        return switch (op) {
            case MAX -> Float.NEGATIVE_INFINITY;
            case MIN -> Float.POSITIVE_INFINITY;
            default -> 0f;
        };
    }

    private static float reduceRun(ReduceOp op, float[] v, int n) {
        return switch (op) {
            case MAX -> Reductions.max(v, 0, n);
            case MIN -> Reductions.min(v, 0, n);
            default -> Reductions.sum(v, 0, n);
        };
    }

    private static float combine(ReduceOp op, float acc, float v) {
        return switch (op) {
            case MAX -> Math.max(acc, v);
            case MIN -> Math.min(acc, v);
            default -> acc + v;
        };
    }

    private static void accumulate(ReduceOp op, float[] acc, float[] v, int n) {
        switch (op) {
            case MAX -> Reductions.accumulateMax(acc, v, n);
            case MIN -> Reductions.accumulateMin(acc, v, n);
            default -> Reductions.accumulateSum(acc, v, n);
        }
    }

    private static float finish(ReduceOp op, float acc, long count) {
        return op == ReduceOp.MEAN ? (count == 0 ? Float.NaN : acc / count) : acc;
    }

    private void argmax(Tensor x, Split split, Tensor out) {
        Walk kept = Walk.of(split.keptOut, split.keptX);
        int length = (int) split.count;
        long step = split.reduced.rank() == 0 ? 1 : split.reduced.strides()[0];
        MemorySegment xs = x.storage().segment(), os = out.storage().segment();
        Chunks.forRanges(pool, kept.rows * kept.cols, Math.max(1, Chunks.PARALLEL_GRAIN / Math.max(1, length)), (from, to) -> {
            float[] buf = new float[Math.max(1, length)];
            for (long e = from; e < to; e++) {
                long row = e / kept.cols, col = e % kept.cols;
                HostIo.load(xs, x.dtype(), kept.start(1, row, col), step, buf, 0, length);
                os.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, kept.start(0, row, col), firstMaxIndex(buf, length));
            }
        });
    }

    private static long firstMaxIndex(float[] v, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (Float.isNaN(v[best])) break;
            if (v[i] > v[best] || Float.isNaN(v[i])) best = i;
        }
        return best;
    }
}
