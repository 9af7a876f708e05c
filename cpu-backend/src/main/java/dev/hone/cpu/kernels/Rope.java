package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rotary position embedding kernels (Su et al., "RoFormer", 2021) on one head vector of D = 2 * half
 * elements, in the rotate-half pairing (dimension i with i + half): y1 = x1 cos - x2 sin,
 * y2 = x2 cos + x1 sin. The interleaved pairing (2i with 2i + 1) is served by {@link #deinterleave} and
 * {@link #interleave} around the same kernel. {@code sinSign} -1 rotates by the negative angle (the
 * inverse, which is also the backward pass).
 */
public final class Rope {
    private Rope() { }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** y = rotate(x) with cos/sin read from {@code cs[csOff..csOff+half)} / {@code sn[csOff..)}; x and y differ. */
    public static void rotateHalf(float[] x, float[] cs, float[] sn, int csOff, float sinSign, float[] y, int half) {
        int i = 0;
        for (int upper = F.loopBound(half); i < upper; i += F.length()) {
            FloatVector x1 = FloatVector.fromArray(F, x, i), x2 = FloatVector.fromArray(F, x, i + half);
            FloatVector c = FloatVector.fromArray(F, cs, csOff + i);
            FloatVector s = FloatVector.fromArray(F, sn, csOff + i).mul(sinSign);
            x1.mul(c).sub(x2.mul(s)).intoArray(y, i);
            x2.mul(c).add(x1.mul(s)).intoArray(y, i + half);
        }
        for (; i < half; i++) {
            float c = cs[csOff + i], s = sn[csOff + i] * sinSign, x1 = x[i], x2 = x[i + half];
            y[i] = x1 * c - x2 * s;
            y[i + half] = x2 * c + x1 * s;
        }
    }

    /** out[i] = x[2i], out[half + i] = x[2i + 1]. */
    public static void deinterleave(float[] x, float[] out, int half) {
        for (int i = 0; i < half; i++) {
            out[i] = x[2 * i];
            out[half + i] = x[2 * i + 1];
        }
    }

    /** out[2i] = x[i], out[2i + 1] = x[half + i]. */
    public static void interleave(float[] x, float[] out, int half) {
        for (int i = 0; i < half; i++) {
            out[2 * i] = x[i];
            out[2 * i + 1] = x[half + i];
        }
    }
}
