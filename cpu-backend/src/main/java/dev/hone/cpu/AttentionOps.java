package dev.hone.cpu;

import dev.hone.cpu.kernels.Elementwise;
import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.DType;
import dev.hone.tensor.Elements;
import dev.hone.tensor.Storage;
import dev.hone.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.function.IntToDoubleFunction;
import java.util.function.LongFunction;

/**
 * Causal grouped-query attention, forward and backward, in the FlashAttention scheme (Dao et al. 2022;
 * FlashAttention-2, Dao 2023): the T x S score matrix is never stored. Forward: tasks are (b, h), each an
 * {@link AttentionForwardHead} that loads its kv head's K and V once and walks blocks of
 * {@link dev.hone.cpu.kernels.AttentionProducts#QUERY_BLOCK} queries against key tiles of
 * {@link #KEY_TILE} keys with the online softmax. Backward: tasks are (b, kv head), so the dK/dV rows of a
 * kv head belong to one task (no races across the heads of a group); see {@link AttentionBackwardHead}.
 * With grouped heads and fewer than {@link #PER_QUERY_HEAD_BELOW} (b, kv head) pairs (small batches of
 * models with few kv heads: SmolLM-135M has 3, Qwen2-0.5B 2), that is too few tasks to keep the pool busy
 * (B=1 with 3 kv heads on 2 threads left one idle a third of the time), so the backward runs one task
 * per (b, query head) instead, each writing its own dK/dV partial into scratch storage, then sums the
 * group's partials per kv head in head order ({@link #backwardPerQueryHead}). The choice depends on the
 * shape only. All tasks of a call cost the same, so the dynamic task queue balances them. Every output
 * element is computed by one task in a fixed order, so results do not depend on the thread count or the schedule.
 */
final class AttentionOps {
    static final int KEY_TILE = 64;
    /** Grouped-query backward runs per query head below this many (batch, kv head) pairs. */
    static final int PER_QUERY_HEAD_BELOW = 16;

    private final WorkerPool pool;
    /** Uninitialised F32 scratch storage of n floats (the backend's pool); released by the caller. */
    private final LongFunction<Storage> scratch;

    AttentionOps(WorkerPool pool, LongFunction<Storage> scratch) {
        this.pool = pool;
        this.scratch = scratch;
    }

    void forward(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments, Tensor out, Tensor lse) {
        AttentionGeometry g = AttentionGeometry.of(q, k, causal, segments);
        Walk lw = Walk.of(lse.layout());
        MemorySegment ls = lse.storage().segment();
        pool.parallelFor(g.batch() * g.heads(), task -> {
            int b = task / g.heads(), h = task % g.heads(), kvHead = h / g.group();
            AttentionForwardHead work = new AttentionForwardHead(g, b, HeadMatrix.of(k, b, kvHead), HeadMatrix.of(v, b, kvHead));
            work.run(HeadMatrix.of(q, b, h), scale, HeadMatrix.of(out, b, h), (t, value) ->
                    Elements.write(ls, lse.dtype(), lw.flatIndex(g.queryRow(b, h, t)), value));
        });
    }

    void backward(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments,
                  Tensor out, Tensor lse, Tensor dout, Tensor dq, Tensor dk, Tensor dv) {
        AttentionGeometry g = AttentionGeometry.of(q, k, causal, segments);
        Walk lw = Walk.of(lse.layout());
        MemorySegment ls = lse.storage().segment();
        LseReader lseOf = (b, h) -> t -> (float) Elements.read(ls, lse.dtype(), lw.flatIndex(g.queryRow(b, h, t)));
        if (g.group() > 1 && (long) g.batch() * g.kvHeads() < PER_QUERY_HEAD_BELOW) {
            backwardPerQueryHead(g, q, k, v, scale, out, dout, dq, dk, dv, lseOf);
            return;
        }
        pool.parallelFor(g.batch() * g.kvHeads(), task -> {
            int b = task / g.kvHeads(), kvHead = task % g.kvHeads();
            AttentionBackwardHead work = new AttentionBackwardHead(g, b, scale);
            work.loadKeys(HeadMatrix.of(k, b, kvHead), HeadMatrix.of(v, b, kvHead));
            for (int h = kvHead * g.group(); h < (kvHead + 1) * g.group(); h++) {
                work.runHead(HeadMatrix.of(q, b, h), HeadMatrix.of(out, b, h), HeadMatrix.of(dout, b, h), lseOf.of(b, h),
                        HeadMatrix.of(dq, b, h));
            }
            work.storeKeyGrads(HeadMatrix.of(dk, b, kvHead), HeadMatrix.of(dv, b, kvHead));
        });
    }

    /** The lse reader of query head h of batch b (query t -> lse). */
    @FunctionalInterface
    private interface LseReader {
        IntToDoubleFunction of(int b, int h);
    }

    /**
     * The grouped-query backward with one task per (b, query head): each computes its head's dQ and its own
     * dK/dV contribution ([S, D'] each, D' the padded head dim) into a scratch partial; a second pass sums
     * the group's partials per (b, kv head) in query-head order and stores dK/dV. K and V are loaded once per
     * (b, kv head) and shared, read only, by the group's tasks. Same products as the
     * per-kv-head tasks; only the order of the sums over a group's heads differs (partials, then their sum).
     */
    private void backwardPerQueryHead(AttentionGeometry g, Tensor q, Tensor k, Tensor v, float scale, Tensor out,
                                      Tensor dout, Tensor dq, Tensor dk, Tensor dv, LseReader lse) {
        int dp = g.paddedHeadDim(), keys = g.keys();
        long headFloats = (long) keys * dp;
        Storage partials = scratch.apply(2 * headFloats * g.batch() * g.heads());
        try {
            MemorySegment seg = partials.segment();
            float[][] keyRows = new float[g.batch() * g.kvHeads()][], valueRows = new float[keyRows.length][];
            pool.parallelFor(2 * keyRows.length, task -> {
                int pair = task / 2, b = pair / g.kvHeads(), kvHead = pair % g.kvHeads();
                if (task % 2 == 0) keyRows[pair] = AttentionBackwardHead.loadHead(g, HeadMatrix.of(k, b, kvHead));
                else valueRows[pair] = AttentionBackwardHead.loadHead(g, HeadMatrix.of(v, b, kvHead));
            });
            pool.parallelFor(g.batch() * g.heads(), task -> {
                int b = task / g.heads(), h = task % g.heads(), pair = b * g.kvHeads() + h / g.group();
                AttentionBackwardHead work = new AttentionBackwardHead(g, b, scale, keyRows[pair], valueRows[pair]);
                work.runHead(HeadMatrix.of(q, b, h), HeadMatrix.of(out, b, h), HeadMatrix.of(dout, b, h), lse.of(b, h),
                        HeadMatrix.of(dq, b, h));
                long at = 2 * headFloats * task;
                work.storeKeyGrads(partial(seg, at, dp), partial(seg, at + headFloats, dp));
            });
            pool.parallelFor(g.batch() * g.kvHeads(), task -> {
                int b = task / g.kvHeads(), kvHead = task % g.kvHeads();
                float[] keySum = new float[(int) headFloats], valueSum = new float[(int) headFloats], part = new float[(int) headFloats];
                for (int j = 0; j < g.group(); j++) {
                    long at = 2 * headFloats * ((long) b * g.heads() + (long) kvHead * g.group() + j);
                    addPartial(partial(seg, at, dp), keys, dp, j == 0, keySum, part);
                    addPartial(partial(seg, at + headFloats, dp), keys, dp, j == 0, valueSum, part);
                }
                HeadMatrix.of(dk, b, kvHead).store(keySum, 0, dp, 0, keys);
                HeadMatrix.of(dv, b, kvHead).store(valueSum, 0, dp, 0, keys);
            });
        } finally {
            partials.release();
        }
    }

    /** A contiguous [S, D'] F32 partial at element {@code at} of the scratch segment. */
    private static HeadMatrix partial(MemorySegment seg, long at, int dp) {
        return new HeadMatrix(seg, DType.F32, at, dp, 1, dp);
    }

    /** sum = partial (first) or sum += partial, over keys rows of dp floats; {@code part} is a staging array. */
    private static void addPartial(HeadMatrix partial, int keys, int dp, boolean first, float[] sum, float[] part) {
        partial.load(0, keys, first ? sum : part, 0, dp);
        if (!first) Elementwise.add(sum, part, sum, keys * dp);
    }
}
