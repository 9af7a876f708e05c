package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Inner loops of tiled attention (FlashAttention, Dao et al. 2022) on F32 working arrays holding
 * head vectors of length d back to back: a tile of scores q·k, the exponentials of one score row
 * with its running maximum subtracted (online softmax), and weighted sums of head vectors
 * ({@link #weightedRowSum}: P·V, dS·K, P^T·dout, dS^T·Q). The executors in {@code dev.hone.cpu} own
 * the masking and the running max/sum bookkeeping.
 */
public final class Attention {
    private Attention() { }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Narrower species for head vectors shorter than one preferred vector (constants, so C2 intrinsifies them). */
    private static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256, F128 = FloatVector.SPECIES_128;

    /**
     * out[c] = scale * (q[qOff..qOff+d) · key c) for c < keys, with the key tile stored transposed
     * ({@code kT[j * width + kOff + c]} is element j of key c), so each of the d steps is one broadcast
     * multiply-add across keys and no horizontal reduction is needed.
     */
    public static void scores(float[] q, int qOff, float[] kT, int kOff, int width, int keys, int d, float scale, float[] out) {
        int lanes = F.length(), c = 0;
        for (; c + 4 * lanes <= keys; c += 4 * lanes) scoreBlock4(q, qOff, kT, kOff + c, width, d, scale, out, c);
        for (; c + lanes <= keys; c += lanes) scoreBlock1(q, qOff, kT, kOff + c, width, d, scale, out, c);
        for (; c < keys; c++) out[c] = scale * scoreScalar(q, qOff, kT, kOff + c, width, d);
    }

    /** Four vectors of keys at once: four independent FMA chains hide the FMA latency. */
    private static void scoreBlock4(float[] q, int qOff, float[] kT, int at, int width, int d, float scale, float[] out, int c) {
        int lanes = F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int j = 0, base = at; j < d; j++, base += width) {
            FloatVector qj = FloatVector.broadcast(F, q[qOff + j]);
            a0 = FloatVector.fromArray(F, kT, base).fma(qj, a0);
            a1 = FloatVector.fromArray(F, kT, base + lanes).fma(qj, a1);
            a2 = FloatVector.fromArray(F, kT, base + 2 * lanes).fma(qj, a2);
            a3 = FloatVector.fromArray(F, kT, base + 3 * lanes).fma(qj, a3);
        }
        a0.mul(scale).intoArray(out, c);
        a1.mul(scale).intoArray(out, c + lanes);
        a2.mul(scale).intoArray(out, c + 2 * lanes);
        a3.mul(scale).intoArray(out, c + 3 * lanes);
    }

    private static void scoreBlock1(float[] q, int qOff, float[] kT, int at, int width, int d, float scale, float[] out, int c) {
        FloatVector acc = FloatVector.zero(F);
        for (int j = 0, base = at; j < d; j++, base += width) {
            acc = FloatVector.fromArray(F, kT, base).fma(FloatVector.broadcast(F, q[qOff + j]), acc);
        }
        acc.mul(scale).intoArray(out, c);
    }

    private static float scoreScalar(float[] q, int qOff, float[] kT, int at, int width, int d) {
        float sum = 0;
        for (int j = 0; j < d; j++) sum += q[qOff + j] * kT[at + j * width];
        return sum;
    }

    /** Stores row {@code row[0..d)} as column c of a transposed tile of the given width. */
    public static void storeColumn(float[] row, int d, float[] tile, int width, int c) {
        for (int j = 0; j < d; j++) tile[j * width + c] = row[j];
    }

    /** s[i] = exp(s[i] - shift) for i < n (masked entries hold -inf and become 0); returns their sum. */
    public static float expShiftInPlace(float[] s, int n, float shift) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector e = VectorExp.exp(FloatVector.fromArray(F, s, i).sub(shift));
            e.intoArray(s, i);
            acc = acc.add(e);
        }
        float sum = LaneSum.of(acc);
        for (; i < n; i++) {
            s[i] = (float) Math.exp(s[i] - shift);
            sum += s[i];
        }
        return sum;
    }

    /** dp[c] = p[c] * (dp[c] - delta) * scale: the score gradient dS of attention's backward pass. */
    public static void scoreGrad(float[] p, float[] dp, float delta, float scale, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, dp, i).sub(delta).mul(FloatVector.fromArray(F, p, i)).mul(scale).intoArray(dp, i);
        }
        for (; i < n; i++) dp[i] = p[i] * (dp[i] - delta) * scale;
    }

    /**
     * out[outOff + j] += sum over c < n of w[wOff + c] * rows[rowOff + c * d + j], for j < d: a probability-
     * or gradient-weighted sum of n head vectors. Blocks of four vectors of out stay in registers for
     * the whole sum over c (four independent FMA chains); entries with weight 0 still cost an FMA.
     */
    public static void weightedRowSum(float[] w, int wOff, int n, float[] rows, int rowOff, int d, float[] out, int outOff) {
        int lanes = F.length(), j = 0;
        for (; j + 4 * lanes <= d; j += 4 * lanes) weightedBlock4(w, wOff, n, rows, rowOff + j, d, out, outOff + j);
        for (; j + lanes <= d; j += lanes) weightedBlock1(w, wOff, n, rows, rowOff + j, d, out, outOff + j);
        if (j < d) weightedTail(w, wOff, n, rows, rowOff, d, out, outOff, j);
    }

    /**
     * Columns [j, d) that are narrower than one preferred vector (stories260K's heads have d = 8): half
     * and quarter vectors, then scalars. A method of its own so the common full-width path above stays
     * small enough for C2 to intrinsify every vector op in it.
     */
    private static void weightedTail(float[] w, int wOff, int n, float[] rows, int rowOff, int d, float[] out, int outOff, int j) {
        for (; j + 8 <= d; j += 8) weighted256(w, wOff, n, rows, rowOff + j, d, out, outOff + j);
        for (; j + 4 <= d; j += 4) weighted128(w, wOff, n, rows, rowOff + j, d, out, outOff + j);
        for (; j < d; j++) out[outOff + j] += weightedScalar(w, wOff, n, rows, rowOff + j, d);
    }

    /** {@link #weightedBlock1} on 8 lanes. */
    private static void weighted256(float[] w, int wOff, int n, float[] rows, int at, int d, float[] out, int o) {
        FloatVector acc = FloatVector.fromArray(F256, out, o);
        for (int c = 0, base = at; c < n; c++, base += d) {
            acc = FloatVector.fromArray(F256, rows, base).fma(FloatVector.broadcast(F256, w[wOff + c]), acc);
        }
        acc.intoArray(out, o);
    }

    /** {@link #weightedBlock1} on 4 lanes. */
    private static void weighted128(float[] w, int wOff, int n, float[] rows, int at, int d, float[] out, int o) {
        FloatVector acc = FloatVector.fromArray(F128, out, o);
        for (int c = 0, base = at; c < n; c++, base += d) {
            acc = FloatVector.fromArray(F128, rows, base).fma(FloatVector.broadcast(F128, w[wOff + c]), acc);
        }
        acc.intoArray(out, o);
    }

    private static void weightedBlock4(float[] w, int wOff, int n, float[] rows, int at, int d, float[] out, int o) {
        int lanes = F.length();
        FloatVector a0 = FloatVector.fromArray(F, out, o), a1 = FloatVector.fromArray(F, out, o + lanes);
        FloatVector a2 = FloatVector.fromArray(F, out, o + 2 * lanes), a3 = FloatVector.fromArray(F, out, o + 3 * lanes);
        for (int c = 0, base = at; c < n; c++, base += d) {
            FloatVector wc = FloatVector.broadcast(F, w[wOff + c]);
            a0 = FloatVector.fromArray(F, rows, base).fma(wc, a0);
            a1 = FloatVector.fromArray(F, rows, base + lanes).fma(wc, a1);
            a2 = FloatVector.fromArray(F, rows, base + 2 * lanes).fma(wc, a2);
            a3 = FloatVector.fromArray(F, rows, base + 3 * lanes).fma(wc, a3);
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + lanes);
        a2.intoArray(out, o + 2 * lanes);
        a3.intoArray(out, o + 3 * lanes);
    }

    private static void weightedBlock1(float[] w, int wOff, int n, float[] rows, int at, int d, float[] out, int o) {
        FloatVector acc = FloatVector.fromArray(F, out, o);
        for (int c = 0, base = at; c < n; c++, base += d) {
            acc = FloatVector.fromArray(F, rows, base).fma(FloatVector.broadcast(F, w[wOff + c]), acc);
        }
        acc.intoArray(out, o);
    }

    private static float weightedScalar(float[] w, int wOff, int n, float[] rows, int at, int d) {
        float sum = 0;
        for (int c = 0; c < n; c++) sum += w[wOff + c] * rows[at + c * d];
        return sum;
    }
}
