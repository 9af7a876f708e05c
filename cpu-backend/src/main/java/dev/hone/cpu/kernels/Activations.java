package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Unary elementwise kernels on F32 working arrays: {@code out[i] = f(x[i])} for {@code i < n}; x and out
 * may be the same array. One small static method per function (see {@link Elementwise} on why).
 * Transcendentals use the Vector API's lanewise EXP/LOG/TANH/SIN/COS (SVML-backed on x86, within a
 * few ulp); the scalar tails use {@link Math}. GELU_TANH is the tanh approximation
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (Hendrycks and Gimpel 2016), evaluated as the equal
 * x * sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3)), which avoids the cancellation in 1 + tanh for negative x.
 */
public final class Activations {
    private Activations() { }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);
    private static final float GELU_CUBIC = 0.044715f;

    public static void neg(float[] x, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            v.neg().intoArray(out, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            out[i] = -v;
        }
    }

    public static void abs(float[] x, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            v.abs().intoArray(out, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            out[i] = Math.abs(v);
        }
    }

    public static void exp(float[] x, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            VectorExp.exp(v).intoArray(out, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            out[i] = (float) Math.exp(v);
        }
    }

    public static void log(float[] x, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            v.lanewise(VectorOperators.LOG).intoArray(out, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            out[i] = (float) Math.log(v);
        }
    }

    public static void sqrt(float[] x, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            v.sqrt().intoArray(out, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            out[i] = (float) Math.sqrt(v);
        }
    }

    public static void rsqrt(float[] x, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            FloatVector.broadcast(F, 1f).div(v.sqrt()).intoArray(out, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            out[i] = 1f / (float) Math.sqrt(v);
        }
    }

    public static void reciprocal(float[] x, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            FloatVector.broadcast(F, 1f).div(v).intoArray(out, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            out[i] = 1f / v;
        }
    }

    public static void square(float[] x, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            v.mul(v).intoArray(out, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            out[i] = v * v;
        }
    }

    public static void tanh(float[] x, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            v.lanewise(VectorOperators.TANH).intoArray(out, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            out[i] = (float) Math.tanh(v);
        }
    }

    public static void sigmoid(float[] x, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            FloatVector.broadcast(F, 1f).div(VectorExp.exp(v.neg()).add(1f)).intoArray(out, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            out[i] = 1f / (1f + (float) Math.exp(-v));
        }
    }

    public static void silu(float[] x, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            v.div(VectorExp.exp(v.neg()).add(1f)).intoArray(out, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            out[i] = v / (1f + (float) Math.exp(-v));
        }
    }

    public static void geluTanh(float[] x, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            v.div(VectorExp.exp(v.mul(v).mul(v).mul(GELU_CUBIC).add(v).mul(-2f * SQRT_2_OVER_PI)).add(1f)).intoArray(out, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            out[i] = v / (1f + (float) Math.exp(-2f * SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v)));
        }
    }

    /**
     * dx[i] = dy[i] * gelu'(x[i]) in the sigmoid form of {@link #geluTanh}: with s = sigmoid(z),
     * z = 2 sqrt(2/pi) (x + 0.044715 x^3), gelu' = s + x s (1 - s) 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2),
     * which equals the tanh form (1 + t)/2 + x/2 (1 - t^2) c (1 + 3 * 0.044715 x^2). dx may alias x or dy.
     */
    public static void geluTanhBackward(float[] x, float[] dy, float[] dx, int n) {
        float twoC = 2f * SQRT_2_OVER_PI;
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            FloatVector v2 = v.mul(v);
            FloatVector z = v2.mul(GELU_CUBIC).mul(v).add(v).mul(-twoC);
            FloatVector s = FloatVector.broadcast(F, 1f).div(VectorExp.exp(z).add(1f));
            FloatVector slope = v2.mul(3f * GELU_CUBIC * twoC).add(twoC).mul(v).mul(s.neg().add(1f)).add(1f).mul(s);
            slope.mul(FloatVector.fromArray(F, dy, i)).intoArray(dx, i);
        }
        for (; i < n; i++) {
            float v = x[i], v2 = v * v;
            float s = 1f / (1f + (float) Math.exp(-twoC * (v + GELU_CUBIC * v2 * v)));
            dx[i] = (1f + v * (1f - s) * (twoC + 3f * GELU_CUBIC * twoC * v2)) * s * dy[i];
        }
    }

    public static void relu(float[] x, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            v.max(0f).intoArray(out, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            out[i] = Math.max(v, 0f);
        }
    }

    public static void sin(float[] x, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            v.lanewise(VectorOperators.SIN).intoArray(out, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            out[i] = (float) Math.sin(v);
        }
    }

    public static void cos(float[] x, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            v.lanewise(VectorOperators.COS).intoArray(out, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            out[i] = (float) Math.cos(v);
        }
    }
}
