package dev.hone.cpu;

import dev.hone.cpu.kernels.Attention;
import dev.hone.cpu.kernels.AttentionProducts;

import java.util.Arrays;
import java.util.function.IntToDoubleFunction;

/**
 * The backward pass of attention for one (b, kv head) and the query heads of its group, on F32 working
 * arrays (FlashAttention-2's backward, Dao 2023). K, V, dK, dV of the kv head ([S', D'] row-major, zero
 * padded to multiples of 8) live for the whole task. Per block of {@link AttentionProducts#QUERY_BLOCK}
 * queries of a head: Q and dout row-major [BLOCK, D'] and transposed [D', BLOCK] (the transposed Q
 * pre-scaled), lse and delta_t = dout_t·out_t per query lane (out is staged in the dQ array and
 * transposed before dQ is zeroed), and the block's dQ [BLOCK, D']. Per tile of {@link AttentionOps#KEY_TILE} keys up to the
 * block's last visible key, with query-lane tiles [keys, BLOCK]: Pᵀ = exp(K·(scale Q)ᵀ - lse) (masked
 * entries 0), dPᵀ = V·doutᵀ, dSᵀ = scale Pᵀ (dPᵀ - delta), then dV += Pᵀ·dout, dK += dSᵀ·Q and
 * dQ += dS·K, register-blocked products without their causally hidden parts
 * ({@link AttentionTileProducts}). Each gradient element is summed over heads, query blocks, key tiles and
 * lanes in one fixed order, whatever the thread count.
 */
final class AttentionBackwardHead {
    private static final int BLOCK = AttentionProducts.QUERY_BLOCK, TILE = AttentionOps.KEY_TILE;

    private final AttentionGeometry g;
    private final int d, dp;
    private final float scale;
    private final float[] k, v, dk, dv;
    private final float[] q, dout, qT, doutT, outT, dq;
    private final float[] lse = new float[BLOCK], delta = new float[BLOCK];
    private final float[] p = new float[TILE * BLOCK], ds = new float[TILE * BLOCK];
    private final int[] keySegments;

    AttentionBackwardHead(AttentionGeometry g, int b, float scale) {
        this(g, b, scale, new float[keyFloats(g)], new float[keyFloats(g)]);
    }

    /**
     * A task over K and V already loaded ({@link #loadHead}; read only here, so the tasks of a group's query
     * heads may share them); {@link #loadKeys} must not be called on it.
     */
    AttentionBackwardHead(AttentionGeometry g, int b, float scale, float[] keyRows, float[] valueRows) {
        this.g = g;
        this.scale = scale;
        this.d = g.headDim();
        this.dp = g.paddedHeadDim();
        int keys = keyFloats(g), block = BLOCK * dp;
        this.k = keyRows;
        this.v = valueRows;
        this.dk = new float[keys];
        this.dv = new float[keys];
        this.q = new float[block];
        this.dout = new float[block];
        this.qT = new float[block];
        this.doutT = new float[block];
        this.outT = new float[block];
        this.dq = new float[block];
        this.keySegments = g.segmentsOf(b);
    }

    /** Floats of a padded [S', D'] key-side working array. */
    private static int keyFloats(AttentionGeometry g) { return AttentionGeometry.roundUp(g.keys()) * g.paddedHeadDim(); }

    /** A kv head's K or V rows as a padded [S', D'] working array, as {@link #loadKeys} loads them. */
    static float[] loadHead(AttentionGeometry g, HeadMatrix rows) {
        float[] a = new float[keyFloats(g)];
        rows.load(0, g.keys(), a, 0, g.paddedHeadDim());
        return a;
    }

    void loadKeys(HeadMatrix keys, HeadMatrix values) {
        keys.load(0, g.keys(), k, 0, dp);
        values.load(0, g.keys(), v, 0, dp);
    }

    /** Adds head h's contributions to dK and dV and writes its dQ. */
    void runHead(HeadMatrix queries, HeadMatrix out, HeadMatrix outGrad, IntToDoubleFunction lseOf, HeadMatrix queryGrad) {
        for (int t0 = 0; t0 < g.queries(); t0 += BLOCK) {
            int t1 = Math.min(g.queries(), t0 + BLOCK);
            loadBlock(t0, t1, queries, out, outGrad, lseOf);
            int keyEnd = g.keyLimit(t1 - 1);
            int[] querySegments = g.querySegments(keySegments, t0);
            for (int s0 = 0; s0 < keyEnd; s0 += TILE) tile(t0, s0, Math.min(TILE, keyEnd - s0), querySegments);
            queryGrad.store(dq, 0, dp, t0, t1 - t0);
        }
    }

    /** Loads queries [t0, t1); lanes past t1 get zero vectors and lse +inf (probability 0). */
    private void loadBlock(int t0, int t1, HeadMatrix queries, HeadMatrix out, HeadMatrix outGrad, IntToDoubleFunction lseOf) {
        int count = t1 - t0;
        if (count < BLOCK) {
            Arrays.fill(q, 0f);
            Arrays.fill(dout, 0f);
            Arrays.fill(dq, 0f);
            Arrays.fill(lse, Float.POSITIVE_INFINITY);
        }
        queries.load(t0, count, q, 0, dp);
        outGrad.load(t0, count, dout, 0, dp);
        out.load(t0, count, dq, 0, dp);
        Attention.transpose(q, dp, d, scale, qT);
        Attention.transpose(dout, dp, d, 1f, doutT);
        Attention.transpose(dq, dp, d, 1f, outT);
        Attention.columnDots(doutT, outT, d, delta);
        Arrays.fill(dq, 0f);
        for (int r = 0; r < count; r++) {
            float logSumExp = (float) lseOf.applyAsDouble(t0 + r);
            lse[r] = logSumExp == Float.NEGATIVE_INFINITY ? Float.POSITIVE_INFINITY : logSumExp;
        }
    }

    /** Queries of the loaded block against keys [s0, s0 + n). */
    private void tile(int t0, int s0, int n, int[] querySegments) {
        int rows = AttentionGeometry.roundUp(n);
        Arrays.fill(p, 0, rows * BLOCK, 0f);
        AttentionTileProducts.scores(g, t0, s0, rows, k, qT, dp, p);
        g.mask(p, t0, s0, n, keySegments, querySegments);
        Attention.probabilities(p, rows, lse);
        Arrays.fill(ds, 0, rows * BLOCK, 0f);
        AttentionTileProducts.scores(g, t0, s0, rows, v, doutT, dp, ds);
        Attention.scoreGrads(p, ds, rows, delta, scale);
        AttentionTileProducts.keyGrads(g, t0, s0, rows, p, dout, dp, dv);
        AttentionTileProducts.keyGrads(g, t0, s0, rows, ds, q, dp, dk);
        AttentionTileProducts.queryOutputs(g, t0, s0, rows, ds, k, dp, dq);
    }

    void storeKeyGrads(HeadMatrix keyGrad, HeadMatrix valueGrad) {
        keyGrad.store(dk, 0, dp, 0, g.keys());
        valueGrad.store(dv, 0, dp, 0, g.keys());
    }
}
