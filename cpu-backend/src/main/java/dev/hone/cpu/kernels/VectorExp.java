package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * exp(x) on float vectors from adds, multiplies, FMAs and exponent-bit arithmetic only, so every tier
 * of the JVM (interpreter, C1, C2) gives the same bits. {@code lanewise(EXP)} does not: C2 calls an
 * intrinsic (SVML) whose last bit differs from the interpreter's per-lane Math.exp on about 1% of
 * inputs, which breaks bit-for-bit reproducible training.
 *
 * <p>Method (Cephes expf, S. Moshier): n = round(x log2 e) by the 1.5·2^23 rounding trick,
 * r = x - n ln 2 in two FMA steps (ln 2 split into an exact high part and a correction), exp(r) by the
 * Cephes degree-7 polynomial on |r| <= ln2/2 (relative error about 1e-7), times 2^n applied as two
 * exactly representable powers of two so that overflow gives +inf and underflow gradually reaches 0
 * (x is clamped to [-110, 89] first, where both ends already round to 0 and +inf). -inf gives 0, NaN
 * gives NaN.
 */
public final class VectorExp {
    private VectorExp() { }

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HIGH = 0.693359375f, LN2_LOW = -2.12194440e-4f;
    private static final float ROUNDING = 12582912f; // 1.5 * 2^23: adding it rounds to an integer in the low bits
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /** exp of every lane. */
    public static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.max(-110f).min(89f);
        FloatVector shifted = clamped.fma(FloatVector.broadcast(x.species(), LOG2E), FloatVector.broadcast(x.species(), ROUNDING));
        FloatVector n = shifted.sub(ROUNDING);
        FloatVector r = n.fma(FloatVector.broadcast(x.species(), -LN2_HIGH), clamped);
        r = n.fma(FloatVector.broadcast(x.species(), -LN2_LOW), r);
        FloatVector p = r.fma(FloatVector.broadcast(x.species(), P0), FloatVector.broadcast(x.species(), P1));
        p = p.fma(r, FloatVector.broadcast(x.species(), P2));
        p = p.fma(r, FloatVector.broadcast(x.species(), P3));
        p = p.fma(r, FloatVector.broadcast(x.species(), P4));
        p = p.fma(r, FloatVector.broadcast(x.species(), P5));
        p = p.fma(r.mul(r), r).add(1f);
        IntVector k = shifted.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDING));
        IntVector half = k.lanewise(VectorOperators.ASHR, 1);
        FloatVector scaleA = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector scaleB = k.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector result = p.mul(scaleA).mul(scaleB);
        VectorMask<Float> nan = x.test(VectorOperators.IS_NAN);
        return result.blend(x, nan);
    }
}
