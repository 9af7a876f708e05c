package dev.hone.cpu;

import dev.hone.cpu.kernels.Attention;
import dev.hone.cpu.kernels.AttentionProducts;
import dev.hone.cpu.kernels.Reductions;

import java.util.Arrays;

/**
 * The forward pass of attention for one (b, h) (FlashAttention-2's forward, Dao 2023), on F32 working
 * arrays: K and V row-major ([S', D'], D' and S' zero-padded to multiples of 8) up to the last visible
 * key, loaded once; then per block of {@link AttentionProducts#QUERY_BLOCK} queries, Q transposed and
 * pre-scaled ([D', BLOCK], queries along the lanes) and per tile of {@link AttentionOps#KEY_TILE} keys
 * up to the block's last visible key: the score tile Sᵀ = K·(scale Q)ᵀ [keys, BLOCK], masking, the
 * online softmax (running max m and sum l per query lane, Pᵀ in place), O *= exp(m_old - m_new) per
 * query row, O += P·V (register-blocked products without their causally hidden parts,
 * {@link AttentionTileProducts}). At the end of a block out = O / l and lse = m + log l; a query that
 * sees no key gets out 0 and lse -inf.
 */
final class AttentionForwardHead {
    private static final int BLOCK = AttentionProducts.QUERY_BLOCK, TILE = AttentionOps.KEY_TILE;

    /** Receives the lse of query t. */
    @FunctionalInterface
    interface LseSink {
        void put(int t, float value);
    }

    private final AttentionGeometry g;
    private final int d, dp;
    private final float[] k, v, qT, o, scores;
    private final float[] max = new float[BLOCK], sum = new float[BLOCK], correction = new float[BLOCK];
    private final int[] keySegments;

    AttentionForwardHead(AttentionGeometry g, int b, HeadMatrix keys, HeadMatrix values) {
        this.g = g;
        this.d = g.headDim();
        this.dp = g.paddedHeadDim();
        int keyEnd = g.keyLimit(g.queries() - 1), keyRows = AttentionGeometry.roundUp(keyEnd) * dp;
        this.k = new float[keyRows];
        this.v = new float[keyRows];
        keys.load(0, keyEnd, k, 0, dp);
        values.load(0, keyEnd, v, 0, dp);
        this.qT = new float[dp * BLOCK];
        this.o = new float[BLOCK * dp];
        this.scores = new float[TILE * BLOCK];
        this.keySegments = g.segmentsOf(b);
    }

    void run(HeadMatrix queries, float scale, HeadMatrix out, LseSink lse) {
        for (int t0 = 0; t0 < g.queries(); t0 += BLOCK) block(t0, Math.min(g.queries(), t0 + BLOCK), queries, scale, out, lse);
    }

    /** Queries [t0, t1). */
    private void block(int t0, int t1, HeadMatrix queries, float scale, HeadMatrix out, LseSink lse) {
        if (t1 - t0 < BLOCK) Arrays.fill(o, 0f);
        queries.load(t0, t1 - t0, o, 0, dp);
        Attention.transpose(o, dp, d, scale, qT);
        Arrays.fill(o, 0f);
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        Arrays.fill(sum, 0f);
        int keyEnd = g.keyLimit(t1 - 1);
        int[] querySegments = g.querySegments(keySegments, t0);
        for (int s0 = 0; s0 < keyEnd; s0 += TILE) tile(t0, s0, Math.min(TILE, keyEnd - s0), querySegments);
        for (int r = 0; r < t1 - t0; r++) {
            Reductions.scale(o, r * dp, d, sum[r] == 0 ? 0 : 1 / sum[r]);
            lse.put(t0 + r, sum[r] == 0 ? Float.NEGATIVE_INFINITY : max[r] + (float) Math.log(sum[r]));
        }
        out.store(o, 0, dp, t0, t1 - t0);
    }

    /** Folds keys [s0, s0 + n) into every query's running max, sum and output. */
    private void tile(int t0, int s0, int n, int[] querySegments) {
        int rows = AttentionGeometry.roundUp(n);
        Arrays.fill(scores, 0, rows * BLOCK, 0f);
        AttentionTileProducts.scores(g, t0, s0, rows, k, qT, dp, scores);
        g.mask(scores, t0, s0, n, keySegments, querySegments);
        Attention.onlineSoftmax(scores, rows, max, sum, correction);
        for (int r = 0; r < BLOCK; r++) if (correction[r] != 1f) Reductions.scale(o, r * dp, dp, correction[r]);
        AttentionTileProducts.queryOutputs(g, t0, s0, rows, scores, v, dp, o);
    }
}
