package dev.hone.cpu;

import dev.hone.cpu.kernels.Attention;
import dev.hone.cpu.kernels.AttentionProducts;
import dev.hone.tensor.Elements;
import dev.hone.tensor.Tensor;

/**
 * Dimensions and visibility rule of one attention call: q [B, H, T, D], k/v [B, Hkv, S, D]; query head
 * h reads key/value head h / (H / Hkv) (grouped-query attention, Ainslie et al. 2023). Query t sits at
 * key position t + S - T. Key s is visible to query t when (not causal or s <= t + S - T) and (no
 * segments or segment[b, s] == segment[b, t + S - T]). Working arrays pad head vectors to
 * {@link #paddedHeadDim()} and key tiles to multiples of {@link AttentionProducts#ROWS} with zeros, the
 * granularity of the register-blocked products; {@link #mask} hides the padding keys.
 */
record AttentionGeometry(int batch, int heads, int kvHeads, int queries, int keys, int headDim, boolean causal,
                         Tensor segments) {

    static AttentionGeometry of(Tensor q, Tensor k, boolean causal, Tensor segments) {
        return new AttentionGeometry(q.dim(0), q.dim(1), k.dim(1), q.dim(2), k.dim(2), q.dim(3), causal, segments);
    }

    int group() { return heads / kvHeads; }

    int shift() { return keys - queries; }

    /**
     * The head dimension rounded up to whole vectors ({@link AttentionProducts#LANES}), as the products
     * require. The half-vector (256-bit) kernels that 8-wide heads used to take sometimes (JIT timing) ran
     * with their vector operations not intrinsified, 43% of the demo's samples (stories260K, heads 8 wide) and
     * its 500 steps 53 s instead of 34 s; they are gone. Heads of 8 do twice the multiply-adds, on
     * intrinsified kernels.
     */
    int paddedHeadDim() { return roundUp(headDim, AttentionProducts.LANES); }

    /** n rounded up to a multiple of {@link AttentionProducts#ROWS}. */
    static int roundUp(int n) { return roundUp(n, AttentionProducts.ROWS); }

    private static int roundUp(int n, int unit) { return (n + unit - 1) / unit * unit; }

    /** One past the last key query t may see (before segment masking). */
    int keyLimit(int t) { return causal ? Math.max(0, Math.min(keys, t + shift() + 1)) : keys; }

    /** Row index of (b, h, t) in a [B, H, T, D] tensor seen as rows of D. */
    long queryRow(int b, int h, int t) { return ((long) b * heads + h) * queries + t; }

    /** Row index of (b, kvHead, s) in a [B, Hkv, S, D] tensor seen as rows of D. */
    long keyRow(int b, int kvHead, int s) { return ((long) b * kvHeads + kvHead) * keys + s; }

    /** The segment ids of batch b as an array of S ints, or null without segments. */
    int[] segmentsOf(int b) {
        if (segments == null) return null;
        Walk w = Walk.of(segments.layout());
        int[] ids = new int[keys];
        for (int s = 0; s < keys; s++) {
            ids[s] = (int) Elements.readLong(segments.storage().segment(), segments.dtype(), w.flatIndex((long) b * keys + s));
        }
        return ids;
    }

    /** Segment id of query t (its key position's id), or 0 without segments. */
    int querySegment(int[] ids, int t) {
        int position = t + shift();
        return ids == null || position < 0 || position >= keys ? 0 : ids[position];
    }

    /**
     * The segment id of each query lane of the block starting at query t0 ({@link AttentionProducts#QUERY_BLOCK}
     * lanes, lanes past the last query get 0), or null without segments.
     */
    int[] querySegments(int[] ids, int t0) {
        if (ids == null) return null;
        int[] lanes = new int[AttentionProducts.QUERY_BLOCK];
        for (int r = 0; r < lanes.length && t0 + r < queries; r++) lanes[r] = querySegment(ids, t0 + r);
        return lanes;
    }

    /**
     * Sets to -inf the scores of a query-lane tile (queries t0 + r along the lanes, keys s0 + c down the
     * rows, rows [0, roundUp(n))) that the visibility rule hides: padding rows c >= n, keys after a query's
     * causal limit, keys of another segment.
     */
    void mask(float[] tile, int t0, int s0, int n, int[] keySegments, int[] querySegments) {
        for (int c = n; c < roundUp(n); c++) Attention.maskRow(tile, c);
        if (causal) {
            for (int c = Math.max(0, t0 + shift() + 1 - s0); c < n; c++) Attention.maskBefore(tile, c, s0 + c - shift() - t0);
        }
        if (keySegments != null) {
            for (int c = 0; c < n; c++) Attention.maskSegments(tile, c, querySegments, keySegments[s0 + c]);
        }
    }
}
