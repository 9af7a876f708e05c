package dev.hone.cpu;

import dev.hone.cpu.kernels.Reductions;
import dev.hone.cpu.kernels.Softmax;
import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.Elements;
import dev.hone.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Softmax, log-softmax and cross-entropy over the last axis, forward and backward, for F32/BF16/F16
 * rows of any strides; rows run in parallel, each row on F32 working arrays. Cross-entropy streams each
 * vocabulary row in chunks of {@link Chunks#CHUNK} with a running max and rescaled sum (online
 * normalizer), so a 128k-entry row never needs a row-sized buffer. Semantics follow
 * {@link dev.hone.tensor.spi.FusedOps}: ignored rows get loss 0 (their lse is still written) and a
 * zero gradient; a target outside [0, V) throws naming the row.
 */
final class SoftmaxOps {
    private final WorkerPool pool;

    SoftmaxOps(WorkerPool pool) { this.pool = pool; }

    private long grain(int cols) { return Math.max(1, Chunks.PARALLEL_GRAIN / Math.max(1, cols)); }

    /** Rewrites one row in place: {@code v} holds the row's n values in F32. */
    @FunctionalInterface
    private interface RowFn {
        void apply(float[] v, int n);
    }

    /** Rewrites the gradient row {@code g} in place, given the saved output row {@code p}. */
    @FunctionalInterface
    private interface GradRowFn {
        void apply(float[] p, float[] g, int n);
    }

    void softmax(Tensor x, Tensor y) {
        mapRows(x, y, (v, n) -> {
            float sum = Softmax.expShifted(v, Reductions.max(v, 0, n), v, n);
            Reductions.scale(v, 0, n, 1f / sum);
        });
    }

    void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        mapGradRows(y, dy, dx, (p, g, n) -> Softmax.softmaxGrad(p, g, Reductions.dot(g, 0, p, 0, n), g, n));
    }

    void logSoftmax(Tensor x, Tensor y) {
        mapRows(x, y, (v, n) -> {
            float max = Reductions.max(v, 0, n);
            float lse = max == Float.NEGATIVE_INFINITY ? max : max + (float) Math.log(Softmax.sumExpShifted(v, 0, n, max));
            Softmax.subtract(v, lse, v, n);
        });
    }

    void logSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        mapGradRows(y, dy, dx, (p, g, n) -> Softmax.logSoftmaxGrad(p, g, Reductions.sum(g, 0, n), g, n));
    }

    /** y[r] = fn(x[r]) for every row, rows in parallel, each through one F32 scratch row per task. */
    private void mapRows(Tensor x, Tensor y, RowFn fn) {
        Rows in = Rows.of(x), out = Rows.of(y);
        int n = in.cols;
        Chunks.forRanges(pool, in.rows, grain(n), (from, to) -> {
            float[] v = new float[n];
            for (long r = from; r < to; r++) {
                in.load(r, v);
                fn.apply(v, n);
                out.store(r, v);
            }
        });
    }

    /** dx[r] = fn(y[r], dy[r]) for every row, rows in parallel. */
    private void mapGradRows(Tensor y, Tensor dy, Tensor dx, GradRowFn fn) {
        Rows p = Rows.of(y), g = Rows.of(dy), out = Rows.of(dx);
        int n = p.cols;
        Chunks.forRanges(pool, p.rows, grain(n), (from, to) -> {
            float[] pv = new float[n], gv = new float[n];
            for (long r = from; r < to; r++) {
                p.load(r, pv);
                g.load(r, gv);
                fn.apply(pv, gv, n);
                out.store(r, gv);
            }
        });
    }

    void crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor loss, Tensor lse) {
        Rows z = Rows.of(logits);
        int vocab = z.cols;
        Walk t = Walk.of(targets.layout()), l = Walk.of(loss.layout()), s = Walk.of(lse.layout());
        MemorySegment ts = targets.storage().segment(), ls = loss.storage().segment(), ss = lse.storage().segment();
        Chunks.forRanges(pool, z.rows, grain(vocab), (from, to) -> {
            float[] chunk = new float[Math.min(vocab, Chunks.CHUNK)];
            for (long r = from; r < to; r++) {
                long target = Elements.readLong(ts, targets.dtype(), t.flatIndex(r));
                boolean ignored = target == ignoreIndex;
                if (!ignored) checkTarget(target, r, vocab);
                float[] lseAndPicked = rowLogSumExp(z, r, chunk, ignored ? -1 : (int) target);
                Elements.write(ss, lse.dtype(), s.flatIndex(r), lseAndPicked[0]);
                Elements.write(ls, loss.dtype(), l.flatIndex(r), ignored ? 0 : lseAndPicked[0] - lseAndPicked[1]);
            }
        });
    }

    /** {logsumexp(row), row[target]} in one streaming pass over chunks. */
    private static float[] rowLogSumExp(Rows z, long r, float[] chunk, int target) {
        float max = Float.NEGATIVE_INFINITY, sum = 0, picked = 0;
        for (int col = 0; col < z.cols; col += chunk.length) {
            int n = Math.min(chunk.length, z.cols - col);
            z.load(r, col, n, chunk, 0);
            if (target >= col && target < col + n) picked = chunk[target - col];
            float chunkMax = Reductions.max(chunk, 0, n);
            if (chunkMax == Float.NEGATIVE_INFINITY) continue;
            if (chunkMax > max) {
                sum *= (float) Math.exp(max - chunkMax);
                max = chunkMax;
            }
            sum += Softmax.sumExpShifted(chunk, 0, n, max);
        }
        float result = max == Float.NEGATIVE_INFINITY ? max : max + (float) Math.log(sum);
        return new float[] {result, picked};
    }

    void crossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor lse, Tensor dloss, Tensor dlogits) {
        Rows z = Rows.of(logits), out = Rows.of(dlogits);
        int vocab = z.cols;
        Walk t = Walk.of(targets.layout()), s = Walk.of(lse.layout()), g = Walk.of(dloss.layout());
        MemorySegment ts = targets.storage().segment(), ss = lse.storage().segment(), gs = dloss.storage().segment();
        Chunks.forRanges(pool, z.rows, grain(vocab), (from, to) -> {
            float[] chunk = new float[Math.min(vocab, Chunks.CHUNK)];
            for (long r = from; r < to; r++) {
                long target = Elements.readLong(ts, targets.dtype(), t.flatIndex(r));
                boolean ignored = target == ignoreIndex;
                if (!ignored) checkTarget(target, r, vocab);
                float rowLse = (float) Elements.read(ss, lse.dtype(), s.flatIndex(r));
                float scale = ignored ? 0 : (float) Elements.read(gs, dloss.dtype(), g.flatIndex(r));
                for (int col = 0; col < vocab; col += chunk.length) {
                    int n = Math.min(chunk.length, vocab - col);
                    if (ignored) {
                        java.util.Arrays.fill(chunk, 0, n, 0f);
                    } else {
                        z.load(r, col, n, chunk, 0);
                        Softmax.scaledExpShifted(chunk, rowLse, scale, chunk, n);
                        if (target >= col && target < col + n) chunk[(int) target - col] -= scale;
                    }
                    out.store(r, col, n, chunk, 0);
                }
            }
        });
    }

    private static void checkTarget(long target, long row, int vocab) {
        if (target < 0 || target >= vocab) {
            throw new IndexOutOfBoundsException("crossEntropy: target " + target + " of row " + row + " out of range for "
                    + vocab + " classes");
        }
    }
}
