package dev.hone.cpu;

import dev.hone.cpu.kernels.Attention;
import dev.hone.cpu.kernels.Reductions;
import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.Elements;
import dev.hone.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Causal grouped-query attention, forward and backward, in the FlashAttention scheme (Dao et al. 2022):
 * the T x S score matrix is never stored. Forward: tasks are (b, h, tile of {@link #QUERY_TILE}
 * queries); each walks key tiles of {@link #KEY_TILE} keys up to its causal limit, keeping per query a
 * running max m, a running sum l and an unnormalised output that is rescaled by exp(m_old - m_new) when
 * the max grows (online softmax); at the end out = o / l and lse = m + log l. A query that sees no key
 * gets out 0 and lse -inf. Backward: tasks are (b, kv head), so the dK/dV rows of a kv head belong to
 * one task (no races across the heads of a group); probabilities are recomputed from lse,
 * dS = P (dP - rowsum(dout * out)), dQ += scale dS K, dK += scale dS^T Q, dV += P^T dout.
 */
final class AttentionOps {
    static final int QUERY_TILE = 32;
    static final int KEY_TILE = 64;

    private final WorkerPool pool;

    AttentionOps(WorkerPool pool) { this.pool = pool; }

    void forward(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments, Tensor out, Tensor lse) {
        AttentionGeometry g = AttentionGeometry.of(q, k, causal, segments);
        Rows qr = Rows.of(q), kr = Rows.of(k), vr = Rows.of(v), or = Rows.of(out);
        Walk lw = Walk.of(lse.layout());
        MemorySegment ls = lse.storage().segment();
        int tiles = (g.queries() + QUERY_TILE - 1) / QUERY_TILE;
        int tasks = g.batch() * g.heads() * tiles;
        pool.parallelFor(tasks, task -> {
            int b = task / (g.heads() * tiles), h = task / tiles % g.heads(), tile = task % tiles;
            int t0 = tile * QUERY_TILE, t1 = Math.min(g.queries(), t0 + QUERY_TILE);
            new ForwardTile(g, b, h, t0, t1).run(qr, kr, vr, scale, or, (t, value) ->
                    Elements.write(ls, lse.dtype(), lw.flatIndex(g.queryRow(b, h, t)), value));
        });
    }

    /** Receives the lse of query t. */
    @FunctionalInterface
    private interface LseSink {
        void put(int t, float value);
    }

    /** One (b, h, query tile) of the forward pass with its working arrays. */
    private static final class ForwardTile {
        private final AttentionGeometry g;
        private final int b, h, t0, t1, d;
        private final float[] qs, o, m, l, kT, vs, s, row;
        private final int[] segmentIds;

        ForwardTile(AttentionGeometry g, int b, int h, int t0, int t1) {
            this.g = g;
            this.b = b;
            this.h = h;
            this.t0 = t0;
            this.t1 = t1;
            this.d = g.headDim();
            int rows = t1 - t0;
            this.qs = new float[rows * d];
            this.o = new float[rows * d];
            this.m = new float[rows];
            this.l = new float[rows];
            this.kT = new float[KEY_TILE * d];
            this.row = new float[d];
            this.vs = new float[KEY_TILE * d];
            this.s = new float[KEY_TILE];
            this.segmentIds = g.segmentsOf(b);
            Arrays.fill(m, Float.NEGATIVE_INFINITY);
        }

        void run(Rows qr, Rows kr, Rows vr, float scale, Rows or, LseSink lse) {
            for (int t = t0; t < t1; t++) qr.load(g.queryRow(b, h, t), 0, d, qs, (t - t0) * d);
            int kvHead = h / g.group();
            int keyEnd = g.keyLimit(t1 - 1);
            for (int s0 = 0; s0 < keyEnd; s0 += KEY_TILE) {
                int n = Math.min(KEY_TILE, keyEnd - s0);
                for (int c = 0; c < n; c++) {
                    kr.load(g.keyRow(b, kvHead, s0 + c), row);
                    Attention.storeColumn(row, d, kT, KEY_TILE, c);
                    vr.load(g.keyRow(b, kvHead, s0 + c), 0, d, vs, c * d);
                }
                for (int t = t0; t < t1; t++) updateRow(t, s0, Math.min(n, g.keyLimit(t) - s0), scale);
            }
            for (int t = t0; t < t1; t++) {
                int i = t - t0;
                float inverse = l[i] == 0 ? 0 : 1 / l[i];
                for (int j = 0; j < d; j++) row[j] = o[i * d + j] * inverse;
                or.store(g.queryRow(b, h, t), row);
                lse.put(t, l[i] == 0 ? Float.NEGATIVE_INFINITY : m[i] + (float) Math.log(l[i]));
            }
        }

        /** Folds keys [s0, s0 + n) into query t's running max, sum and output. */
        private void updateRow(int t, int s0, int n, float scale) {
            if (n <= 0) return;
            int i = t - t0;
            Attention.scores(qs, i * d, kT, 0, KEY_TILE, n, d, scale, s);
            if (segmentIds != null) {
                int own = g.querySegment(segmentIds, t);
                for (int c = 0; c < n; c++) if (segmentIds[s0 + c] != own) s[c] = Float.NEGATIVE_INFINITY;
            }
            float tileMax = Reductions.max(s, 0, n);
            if (tileMax == Float.NEGATIVE_INFINITY) return;
            float newMax = Math.max(m[i], tileMax);
            float correction = (float) Math.exp(m[i] - newMax);
            l[i] = l[i] * correction + Attention.expShiftInPlace(s, n, newMax);
            if (correction != 1f) Reductions.scale(o, i * d, d, correction);
            Attention.weightedRowSum(s, 0, n, vs, 0, d, o, i * d);
            m[i] = newMax;
        }
    }

    void backward(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments,
                  Tensor out, Tensor lse, Tensor dout, Tensor dq, Tensor dk, Tensor dv) {
        AttentionGeometry g = AttentionGeometry.of(q, k, causal, segments);
        Rows qr = Rows.of(q), kr = Rows.of(k), vr = Rows.of(v), or = Rows.of(out), gr = Rows.of(dout);
        Rows dqr = Rows.of(dq), dkr = Rows.of(dk), dvr = Rows.of(dv);
        Walk lw = Walk.of(lse.layout());
        MemorySegment ls = lse.storage().segment();
        pool.parallelFor(g.batch() * g.kvHeads(), task -> {
            int b = task / g.kvHeads(), kvHead = task % g.kvHeads();
            AttentionBackwardHead work = new AttentionBackwardHead(g, b, kvHead, scale);
            work.loadKeys(kr, vr);
            for (int h = kvHead * g.group(); h < (kvHead + 1) * g.group(); h++) {
                int head = h;
                work.runHead(head, qr, or, gr, t -> (float) Elements.read(ls, lse.dtype(), lw.flatIndex(g.queryRow(b, head, t))), dqr);
            }
            work.storeKeyGrads(dkr, dvr);
        });
    }
}
