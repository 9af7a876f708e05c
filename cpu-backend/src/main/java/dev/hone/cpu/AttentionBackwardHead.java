package dev.hone.cpu;

import dev.hone.cpu.kernels.Attention;
import dev.hone.cpu.kernels.Reductions;

import java.util.function.IntToDoubleFunction;

/**
 * The backward pass of attention for one (b, kv head) and the query heads of its group, on F32 working
 * arrays (FlashAttention-2's backward, Dao 2023): K, V, dK, dV of the kv head ([S, D] each, plus K
 * and V transposed [D, S] for score rows) live for the whole task; Q, dout, dQ ([T, D]) are loaded per
 * query head. For each tile of {@link AttentionOps#KEY_TILE} keys and each block of
 * {@link AttentionOps#QUERY_TILE} queries the blocks P = exp(scale Q K^T - lse) (masked entries 0),
 * dP = dout V^T and dS = scale P (dP - delta) with delta_t = dout_t·out_t are formed, then
 * dQ += dS K, dV += P^T dout and dK += dS^T Q, each a register-blocked weighted row sum.
 */
final class AttentionBackwardHead {
    private static final int BLOCK = AttentionOps.QUERY_TILE, TILE = AttentionOps.KEY_TILE;

    private final AttentionGeometry g;
    private final int b, kvHead, d;
    private final float scale;
    private final float[] k, v, kT, vT, dk, dv, q, dout, dq, delta, lse, row;
    private final float[] p = new float[BLOCK * TILE], ds = new float[BLOCK * TILE], column = new float[BLOCK];
    private final float[] pRow = new float[TILE], dpRow = new float[TILE];
    private final int[] segmentIds;

    AttentionBackwardHead(AttentionGeometry g, int b, int kvHead, float scale) {
        this.g = g;
        this.b = b;
        this.kvHead = kvHead;
        this.scale = scale;
        this.d = g.headDim();
        int keys = g.keys() * d, queries = g.queries() * d;
        this.k = new float[keys];
        this.v = new float[keys];
        this.kT = new float[keys];
        this.vT = new float[keys];
        this.dk = new float[keys];
        this.dv = new float[keys];
        this.q = new float[queries];
        this.dout = new float[queries];
        this.dq = new float[queries];
        this.delta = new float[g.queries()];
        this.lse = new float[g.queries()];
        this.row = new float[d];
        this.segmentIds = g.segmentsOf(b);
    }

    void loadKeys(Rows kr, Rows vr) {
        for (int s = 0; s < g.keys(); s++) {
            kr.load(g.keyRow(b, kvHead, s), 0, d, k, s * d);
            vr.load(g.keyRow(b, kvHead, s), 0, d, v, s * d);
            System.arraycopy(k, s * d, row, 0, d);
            Attention.storeColumn(row, d, kT, g.keys(), s);
            System.arraycopy(v, s * d, row, 0, d);
            Attention.storeColumn(row, d, vT, g.keys(), s);
        }
    }

    void runHead(int h, Rows qr, Rows or, Rows gr, IntToDoubleFunction lseOf, Rows dqr) {
        for (int t = 0; t < g.queries(); t++) {
            long r = g.queryRow(b, h, t);
            qr.load(r, 0, d, q, t * d);
            gr.load(r, 0, d, dout, t * d);
            or.load(r, row);
            delta[t] = Reductions.dot(dout, t * d, row, 0, d);
            lse[t] = (float) lseOf.applyAsDouble(t);
        }
        java.util.Arrays.fill(dq, 0f);
        for (int s0 = 0; s0 < g.keys(); s0 += TILE) {
            int n = Math.min(TILE, g.keys() - s0);
            int firstQuery = g.causal() ? Math.max(0, s0 - g.shift()) : 0;
            for (int t0 = firstQuery; t0 < g.queries(); t0 += BLOCK) block(t0, Math.min(g.queries(), t0 + BLOCK), s0, n);
        }
        for (int t = 0; t < g.queries(); t++) dqr.store(g.queryRow(b, h, t), 0, d, dq, t * d);
    }

    /** Queries [t0, t1) against keys [s0, s0 + n). */
    private void block(int t0, int t1, int s0, int n) {
        int rows = t1 - t0;
        for (int t = t0; t < t1; t++) probabilityRow(t, s0, n, (t - t0) * TILE);
        for (int t = t0; t < t1; t++) Attention.weightedRowSum(ds, (t - t0) * TILE, n, k, s0 * d, d, dq, t * d);
        for (int c = 0; c < n; c++) {
            int ka = (s0 + c) * d;
            for (int i = 0; i < rows; i++) column[i] = p[i * TILE + c];
            Attention.weightedRowSum(column, 0, rows, dout, t0 * d, d, dv, ka);
            for (int i = 0; i < rows; i++) column[i] = ds[i * TILE + c];
            Attention.weightedRowSum(column, 0, rows, q, t0 * d, d, dk, ka);
        }
    }

    /** Row t of the P and dS blocks (at {@code at}), zero where key s0 + c is not visible to t. */
    private void probabilityRow(int t, int s0, int n, int at) {
        int visible = Math.max(0, Math.min(n, g.keyLimit(t) - s0));
        java.util.Arrays.fill(p, at, at + TILE, 0f);
        java.util.Arrays.fill(ds, at, at + TILE, 0f);
        if (visible == 0 || lse[t] == Float.NEGATIVE_INFINITY) return;
        int qa = t * d;
        Attention.scores(q, qa, kT, s0, g.keys(), visible, d, scale, pRow);
        Attention.expShiftInPlace(pRow, visible, lse[t]);
        if (segmentIds != null) {
            int own = g.querySegment(segmentIds, t);
            for (int c = 0; c < visible; c++) if (segmentIds[s0 + c] != own) pRow[c] = 0f;
        }
        Attention.scores(dout, qa, vT, s0, g.keys(), visible, d, 1f, dpRow);
        Attention.scoreGrad(pRow, dpRow, delta[t], scale, visible);
        System.arraycopy(pRow, 0, p, at, visible);
        System.arraycopy(dpRow, 0, ds, at, visible);
    }

    void storeKeyGrads(Rows dkr, Rows dvr) {
        for (int s = 0; s < g.keys(); s++) {
            dkr.store(g.keyRow(b, kvHead, s), 0, d, dk, s * d);
            dvr.store(g.keyRow(b, kvHead, s), 0, d, dv, s * d);
        }
    }
}
