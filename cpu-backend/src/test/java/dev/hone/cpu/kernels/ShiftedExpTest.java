package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ShiftedExp against VectorExp, the reference exponential of this kernel set: bit-identical on its
 * documented range [-80, 80] (a dense sweep plus the range ends), exactly 0 below -80 and for -inf, NaN
 * for NaN, and within 2e-7 relative of Math.exp on [-80, 0].
 */
class ShiftedExpTest {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private static float[] apply(float[] x, boolean shifted) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            (shifted ? ShiftedExp.exp(v) : VectorExp.exp(v)).intoArray(out, i);
        }
        return out;
    }

    private static float[] sweep(float from, float to, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = from + (to - from) * i / (n - 1);
        return x;
    }

    @Test
    void matchesVectorExpBitForBitOnItsRange() {
        float[] x = sweep(-80f, 80f, 16 * 4096);
        x[1] = Math.nextUp(-80f);
        x[2] = -0f;
        x[3] = Float.MIN_VALUE;
        float[] expected = apply(x, false), actual = apply(x, true);
        for (int i = 0; i < x.length; i++) {
            assertThat(Float.floatToRawIntBits(actual[i])).as("exp(%s)", x[i]).isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }

    @Test
    void staysWithinTwoTenMillionthsOfMathExpOnSoftmaxArguments() {
        float[] x = sweep(-80f, 0f, 16 * 1024), actual = apply(x, true);
        for (int i = 0; i < x.length; i++) {
            double exact = Math.exp(x[i]);
            assertThat(Math.abs(actual[i] - exact)).as("exp(%s)", x[i]).isLessThanOrEqualTo(2e-7 * exact);
        }
    }

    @Test
    void givesZeroBelowTheRangeAndKeepsNaN() {
        float[] x = new float[F.length()];
        java.util.Arrays.fill(x, Float.NEGATIVE_INFINITY);
        x[1] = Math.nextDown(-80f);
        x[2] = -1000f;
        x[3] = Float.NaN;
        float[] actual = apply(x, true);
        for (int i = 0; i < x.length; i++) {
            if (i == 3) assertThat(actual[i]).isNaN();
            else assertThat(Float.floatToRawIntBits(actual[i])).as("exp(%s)", x[i]).isZero();
        }
    }
}
