package dev.hone.cpu;

import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.Elements;
import dev.hone.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Causal grouped-query attention, forward and backward, in the FlashAttention scheme (Dao et al. 2022;
 * FlashAttention-2, Dao 2023): the T x S score matrix is never stored. Forward: tasks are (b, h), each an
 * {@link AttentionForwardHead} that loads its kv head's K and V once and walks blocks of
 * {@link dev.hone.cpu.kernels.AttentionProducts#QUERY_BLOCK} queries against key tiles of
 * {@link #KEY_TILE} keys with the online softmax. Backward: tasks are (b, kv head), so the dK/dV rows of a
 * kv head belong to one task (no races across the heads of a group); see {@link AttentionBackwardHead}.
 * All tasks of a call cost the same, so the dynamic task queue balances them. Every output element is
 * computed by one task in a fixed order, so results do not depend on the thread count or the schedule.
 */
final class AttentionOps {
    static final int KEY_TILE = 64;

    private final WorkerPool pool;

    AttentionOps(WorkerPool pool) { this.pool = pool; }

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
        pool.parallelFor(g.batch() * g.kvHeads(), task -> {
            int b = task / g.kvHeads(), kvHead = task % g.kvHeads();
            AttentionBackwardHead work = new AttentionBackwardHead(g, b, scale);
            work.loadKeys(HeadMatrix.of(k, b, kvHead), HeadMatrix.of(v, b, kvHead));
            for (int h = kvHead * g.group(); h < (kvHead + 1) * g.group(); h++) {
                int head = h;
                work.runHead(HeadMatrix.of(q, b, h), HeadMatrix.of(out, b, h), HeadMatrix.of(dout, b, h),
                        t -> (float) Elements.read(ls, lse.dtype(), lw.flatIndex(g.queryRow(b, head, t))), HeadMatrix.of(dq, b, h));
            }
            work.storeKeyGrads(HeadMatrix.of(dk, b, kvHead), HeadMatrix.of(dv, b, kvHead));
        });
    }
}
