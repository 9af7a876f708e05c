package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * exp(x) on float vectors for the shifted arguments of a softmax (scores minus their running maximum or
 * their log-sum-exp, so at most a rounding error above 0), cheaper than {@link VectorExp} because the
 * range is known. Same method and constants as VectorExp (Cephes expf: n = round(x log2 e) by the
 * 1.5·2^23 rounding trick, r = x - n ln 2 in two FMA steps, the degree-7 polynomial, times 2^n), and only
 * adds, multiplies, FMAs and exponent-bit arithmetic, so every JIT tier gives the same bits. Differences:
 * x is clamped to [-80, 80], so 2^n is one normal power of two (one multiply instead of two, and no
 * gradual underflow to subnormals, which costs a microcode assist per vector on x86); lanes below -80
 * (masked scores, -inf) give exactly 0, where exp would give less than 2e-35. On [-80, 80] the result is
 * bit-identical to VectorExp's. NaN gives NaN.
 */
public final class ShiftedExp {
    private ShiftedExp() { }

    private static final float LOW = -80f, HIGH = 80f;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HIGH = 0.693359375f, LN2_LOW = -2.12194440e-4f;
    private static final float ROUNDING = 12582912f; // 1.5 * 2^23: adding it rounds to an integer in the low bits
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /** exp of every lane, 0 below -80. */
    public static FloatVector exp(FloatVector x) {
        VectorMask<Float> below = x.compare(VectorOperators.LT, LOW);
        FloatVector clamped = x.blend(LOW, below).min(HIGH);
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
        FloatVector power = shifted.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDING) - 127)
                .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(power).blend(0f, below);
    }
}
