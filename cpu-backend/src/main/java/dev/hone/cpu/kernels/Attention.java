package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise steps of tiled attention (FlashAttention, Dao et al. 2022; FlashAttention-2, Dao 2023) on
 * query-lane tiles: a tile holds one row per key and {@link AttentionProducts#QUERY_BLOCK} queries along
 * the lanes (element [c][r] at {@code c * QUERY_BLOCK + r}), so every per-query quantity (running max,
 * running sum, log-sum-exp, delta) is a vector and the online softmax needs no horizontal reductions.
 * Here: masking, the online-softmax update of the forward pass, the probability and score-gradient
 * tiles of the backward pass, the gathers that transpose row-major head vectors into query-lane tiles,
 * and per-query dot products of two such tiles. The products of
 * tiles are {@link AttentionProducts}; the executors in {@code dev.hone.cpu} own which rows are masked.
 * Exponentials go through {@link ShiftedExp}, so every JIT tier gives the same bits.
 */
public final class Attention {
    private Attention() { }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int LANES = F.length(), BLOCK = AttentionProducts.QUERY_BLOCK;
    private static final float NEGATIVE_INFINITY = Float.NEGATIVE_INFINITY;

    /**
     * tile[j * BLOCK + r] = scale * rows[r * width + j] for j < n and r < BLOCK: a block of head vectors
     * (row-major, {@code width} floats apart) transposed into a query-lane tile, one gather per vector.
     * The rows array holds at least BLOCK rows.
     */
    public static void transpose(float[] rows, int width, int n, float scale, float[] tile) {
        int[] offsets = new int[BLOCK];
        for (int r = 0; r < BLOCK; r++) offsets[r] = r * width;
        for (int j = 0; j < n; j++) {
            for (int v = 0; v < BLOCK; v += LANES) {
                FloatVector.fromArray(F, rows, j, offsets, v).mul(scale).intoArray(tile, j * BLOCK + v);
            }
        }
    }

    /** out[r] = sum over j < n of a[j][r] * b[j][r] for r < BLOCK: per-query dot products of two query-lane tiles. */
    public static void columnDots(float[] a, float[] b, int n, float[] out) {
        for (int v = 0; v < BLOCK; v += LANES) {
            FloatVector acc = FloatVector.zero(F);
            for (int j = 0, at = v; j < n; j++, at += BLOCK) {
                acc = FloatVector.fromArray(F, a, at).fma(FloatVector.fromArray(F, b, at), acc);
            }
            acc.intoArray(out, v);
        }
    }

    /** Sets the whole of tile row c to -inf (a key no query of the block may see). */
    public static void maskRow(float[] tile, int c) {
        java.util.Arrays.fill(tile, c * BLOCK, (c + 1) * BLOCK, NEGATIVE_INFINITY);
    }

    /** Sets lanes [0, firstVisible) of tile row c to -inf (the causal mask: earlier queries cannot see key c). */
    public static void maskBefore(float[] tile, int c, int firstVisible) {
        for (int v = 0; v < BLOCK; v += LANES) {
            VectorMask<Float> hidden = VectorMask.fromLong(F, lowBits(firstVisible - v));
            FloatVector.fromArray(F, tile, c * BLOCK + v).blend(NEGATIVE_INFINITY, hidden).intoArray(tile, c * BLOCK + v);
        }
    }

    /** The lowest n bits set (none for n <= 0, all lanes for n >= LANES). */
    private static long lowBits(int n) {
        return n <= 0 ? 0 : n >= LANES ? -1L >>> (64 - LANES) : (1L << n) - 1;
    }

    /** Sets to -inf the lanes r of tile row c whose query segment querySegments[r] differs from keySegment. */
    public static void maskSegments(float[] tile, int c, int[] querySegments, int keySegment) {
        for (int v = 0; v < BLOCK; v += LANES) {
            VectorMask<Float> other = IntVector.fromArray(I, querySegments, v).compare(VectorOperators.NE, keySegment).cast(F);
            FloatVector.fromArray(F, tile, c * BLOCK + v).blend(NEGATIVE_INFINITY, other).intoArray(tile, c * BLOCK + v);
        }
    }

    /**
     * Online softmax over the first {@code rows} rows (a multiple of 4) of a score tile: per query lane,
     * newMax = max(max, tile max), correction = exp(max - newMax), tile = exp(tile - newMax) in place,
     * sum = sum * correction + column sum of the tile, max = newMax. A lane that has seen only -inf keeps
     * max -inf and sum 0 and gets correction 0 and probabilities 0.
     */
    public static void onlineSoftmax(float[] tile, int rows, float[] max, float[] sum, float[] correction) {
        for (int v = 0; v < BLOCK; v += LANES) onlineSoftmaxLanes(tile, rows, v, max, sum, correction);
    }

    private static void onlineSoftmaxLanes(float[] tile, int rows, int v, float[] max, float[] sum, float[] correction) {
        FloatVector old = FloatVector.fromArray(F, max, v), newMax = old.max(columnMax(tile, rows, v));
        FloatVector factor = ShiftedExp.exp(old.sub(finite(newMax)));
        FloatVector.fromArray(F, sum, v).mul(factor).intoArray(sum, v);
        newMax.intoArray(max, v);
        factor.intoArray(correction, v);
        expShiftColumn(tile, rows, v, max, sum);
    }

    /** Max over rows c < rows (a multiple of 4) of tile[c][v..v+LANES), in four independent chains. */
    private static FloatVector columnMax(float[] tile, int rows, int v) {
        FloatVector m0 = FloatVector.broadcast(F, NEGATIVE_INFINITY), m1 = m0, m2 = m0, m3 = m0;
        for (int c = 0, at = v; c < rows; c += 4, at += 4 * BLOCK) {
            m0 = m0.max(FloatVector.fromArray(F, tile, at));
            m1 = m1.max(FloatVector.fromArray(F, tile, at + BLOCK));
            m2 = m2.max(FloatVector.fromArray(F, tile, at + 2 * BLOCK));
            m3 = m3.max(FloatVector.fromArray(F, tile, at + 3 * BLOCK));
        }
        return m0.max(m1).max(m2.max(m3));
    }

    /** x with -inf lanes replaced by 0 (the shift of a lane that has seen no key). */
    private static FloatVector finite(FloatVector x) {
        return x.blend(0f, x.compare(VectorOperators.EQ, NEGATIVE_INFINITY));
    }

    /**
     * tile[c][v..v+LANES) = exp(tile - shift) for c < rows (even), two rows per step, with shift =
     * shifts[v..v+LANES) and -inf read as 0; adds the column sums to sums[v..v+LANES). Vectors cross no
     * call boundary (a call C2 does not inline would box them).
     */
    private static void expShiftColumn(float[] tile, int rows, int v, float[] shifts, float[] sums) {
        FloatVector shift = finite(FloatVector.fromArray(F, shifts, v)), even = FloatVector.zero(F), odd = even;
        for (int c = 0, at = v; c < rows; c += 2, at += 2 * BLOCK) {
            FloatVector e0 = ShiftedExp.exp(FloatVector.fromArray(F, tile, at).sub(shift));
            FloatVector e1 = ShiftedExp.exp(FloatVector.fromArray(F, tile, at + BLOCK).sub(shift));
            e0.intoArray(tile, at);
            e1.intoArray(tile, at + BLOCK);
            even = even.add(e0);
            odd = odd.add(e1);
        }
        FloatVector.fromArray(F, sums, v).add(even.add(odd)).intoArray(sums, v);
    }

    /**
     * tile = exp(tile - lse) for the first {@code rows} rows, lse per query lane: the probabilities of the
     * backward pass, recomputed from the forward's log-sum-exp. Callers pass +inf for a query that sees
     * no key, so its probabilities are 0.
     */
    public static void probabilities(float[] tile, int rows, float[] lse) {
        for (int v = 0; v < BLOCK; v += LANES) expColumn(tile, rows, v, lse);
    }

    private static void expColumn(float[] tile, int rows, int v, float[] shifts) {
        FloatVector shift = FloatVector.fromArray(F, shifts, v);
        for (int c = 0, at = v; c < rows; c++, at += BLOCK) {
            ShiftedExp.exp(FloatVector.fromArray(F, tile, at).sub(shift)).intoArray(tile, at);
        }
    }

    /** dp = p * (dp - delta) * scale for the first {@code rows} rows, delta per query lane: the score gradient dS. */
    public static void scoreGrads(float[] p, float[] dp, int rows, float[] delta, float scale) {
        for (int v = 0; v < BLOCK; v += LANES) scoreGradColumn(p, dp, rows, v, delta, scale);
    }

    private static void scoreGradColumn(float[] p, float[] dp, int rows, int v, float[] deltas, float scale) {
        FloatVector delta = FloatVector.fromArray(F, deltas, v);
        for (int c = 0, at = v; c < rows; c++, at += BLOCK) {
            FloatVector.fromArray(F, dp, at).sub(delta).mul(FloatVector.fromArray(F, p, at)).mul(scale).intoArray(dp, at);
        }
    }
}
