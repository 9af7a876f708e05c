package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row kernels of softmax, log-softmax and cross-entropy on F32 working arrays. Numerically stable:
 * every exponent is taken of {@code x - shift} with {@code shift} the row (or running) maximum, so no
 * term exceeds 1 (the standard max-subtraction trick; for the chunked cross-entropy the running-max
 * rescaling of Milakov and Gimelshein, "Online normalizer calculation for softmax", 2018).
 */
public final class Softmax {
    private Softmax() { }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** out[i] = exp(x[i] - shift); returns the sum of out. */
    public static float expShifted(float[] x, float shift, float[] out, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector e = VectorExp.exp(FloatVector.fromArray(F, x, i).sub(shift));
            e.intoArray(out, i);
            acc = acc.add(e);
        }
        float s = LaneSum.of(acc);
        for (; i < n; i++) {
            out[i] = (float) Math.exp(x[i] - shift);
            s += out[i];
        }
        return s;
    }

    /** Sum of exp(x[i] - shift) over [off, off + n), nothing stored. */
    public static float sumExpShifted(float[] x, int off, int n, float shift) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            acc = acc.add(VectorExp.exp(FloatVector.fromArray(F, x, off + i).sub(shift)));
        }
        float s = LaneSum.of(acc);
        for (; i < n; i++) s += (float) Math.exp(x[off + i] - shift);
        return s;
    }

    /** out[i] = scale * exp(x[i] - shift) (the cross-entropy gradient before the one-hot term). */
    public static void scaledExpShifted(float[] x, float shift, float scale, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            VectorExp.exp(FloatVector.fromArray(F, x, i).sub(shift)).mul(scale).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = scale * (float) Math.exp(x[i] - shift);
    }

    /** out[i] = x[i] - s. */
    public static void subtract(float[] x, float s, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, i).sub(s).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = x[i] - s;
    }

    /** dx[i] = y[i] * (dy[i] - d), the softmax backward with d = sum(dy * y). */
    public static void softmaxGrad(float[] y, float[] dy, float d, float[] dx, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, dy, i).sub(d).mul(FloatVector.fromArray(F, y, i)).intoArray(dx, i);
        }
        for (; i < n; i++) dx[i] = y[i] * (dy[i] - d);
    }

    /** dx[i] = dy[i] - exp(y[i]) * s, the log-softmax backward with s = sum(dy). */
    public static void logSoftmaxGrad(float[] y, float[] dy, float s, float[] dx, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector e = VectorExp.exp(FloatVector.fromArray(F, y, i));
            FloatVector.fromArray(F, dy, i).sub(e.mul(s)).intoArray(dx, i);
        }
        for (; i < n; i++) dx[i] = dy[i] - (float) Math.exp(y[i]) * s;
    }
}
