package dev.hone.cpu;

import dev.hone.cpu.kernels.AttentionProducts;

/**
 * The products of one (query block, key tile) pair of tiled attention with the causally hidden part
 * left out: queries t0 + r (r < {@link AttentionProducts#QUERY_BLOCK}) along the lanes of the query-lane
 * tiles, keys s0 + c (c < rows, a multiple of 8) down their rows, head vectors {@code dp} floats apart.
 * Work is skipped per 8-row group of the register-blocked products (whole vectors of queries that a
 * group's first key hides, leading queries a key group cannot be seen by, trailing keys a query group
 * cannot see). Skipped terms are exact zeros (masked probabilities and score gradients are 0), and the
 * remaining terms are summed in the same order, so the result equals the full product.
 */
final class AttentionTileProducts {
    private static final int BLOCK = AttentionProducts.QUERY_BLOCK, LANES = AttentionProducts.LANES, ROWS = AttentionProducts.ROWS;

    private AttentionTileProducts() { }

    /**
     * tile[c][r] += sum over j < dp of keyRows[(s0 + c) * dp + j] * transposed[j][r]: a score tile
     * (K·Qᵀ) or a dP tile (V·doutᵀ).
     */
    static void scores(AttentionGeometry g, int t0, int s0, int rows, float[] keyRows, float[] transposed, int dp, float[] tile) {
        for (int c0 = 0; c0 < rows; c0 += ROWS) {
            int skip = firstVisibleLane(g, t0, s0 + c0) / LANES * LANES;
            AttentionProducts.rowsTimes(keyRows, (s0 + c0) * dp, dp, ROWS, transposed, skip, BLOCK, BLOCK - skip, dp,
                    tile, c0 * BLOCK + skip, BLOCK);
        }
    }

    /**
     * keyGrads[(s0 + c) * dp + y] += sum over r of tile[c][r] * queryRows[r * dp + y]: dV += Pᵀ·dout or
     * dK += dSᵀ·Q.
     */
    static void keyGrads(AttentionGeometry g, int t0, int s0, int rows, float[] tile, float[] queryRows, int dp, float[] keyGrads) {
        for (int c0 = 0; c0 < rows; c0 += ROWS) {
            int first = firstVisibleLane(g, t0, s0 + c0);
            AttentionProducts.rowsTimes(tile, c0 * BLOCK + first, BLOCK, ROWS, queryRows, first * dp, dp, dp, BLOCK - first,
                    keyGrads, (s0 + c0) * dp, dp);
        }
    }

    /**
     * queryOut[r * dp + y] += sum over c of tile[c][r] * keyRows[(s0 + c) * dp + y]: O += P·V or
     * dQ += dS·K.
     */
    static void queryOutputs(AttentionGeometry g, int t0, int s0, int rows, float[] tile, float[] keyRows, int dp, float[] queryOut) {
        for (int r0 = 0; r0 < BLOCK; r0 += ROWS) {
            int depth = Math.min(rows, Math.max(0, AttentionGeometry.roundUp(g.keyLimit(t0 + r0 + ROWS - 1) - s0)));
            AttentionProducts.columnsTimes(tile, r0, ROWS, keyRows, s0 * dp, dp, dp, depth, queryOut, r0 * dp, dp);
        }
    }

    /** The first query lane that key s may be visible to (0 without causal masking), at most BLOCK. */
    private static int firstVisibleLane(AttentionGeometry g, int t0, int s) {
        return g.causal() ? Math.clamp(s - g.shift() - t0, 0, BLOCK) : 0;
    }
}
