package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Binary elementwise kernels on F32 working arrays: {@code out[i] = a[i] op b[i]} for {@code i < n}.
 * Broadcast operands arrive already expanded into the arrays by the loaders in {@link Casts}. One small
 * static method per op, so each compiles on its own (large vector methods risk falling back to C1,
 * where the Vector API runs tens of times slower). The scalar tails follow Java's float semantics,
 * which the vector lanes share (MAX/MIN propagate NaN like {@link Math#max}).
 */
public final class Elementwise {
    private Elementwise() { }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    public static void add(float[] a, float[] b, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector va = FloatVector.fromArray(F, a, i), vb = FloatVector.fromArray(F, b, i);
            va.add(vb).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = a[i] + b[i];
    }

    public static void sub(float[] a, float[] b, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector va = FloatVector.fromArray(F, a, i), vb = FloatVector.fromArray(F, b, i);
            va.sub(vb).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = a[i] - b[i];
    }

    public static void mul(float[] a, float[] b, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector va = FloatVector.fromArray(F, a, i), vb = FloatVector.fromArray(F, b, i);
            va.mul(vb).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = a[i] * b[i];
    }

    public static void div(float[] a, float[] b, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector va = FloatVector.fromArray(F, a, i), vb = FloatVector.fromArray(F, b, i);
            va.div(vb).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = a[i] / b[i];
    }

    public static void max(float[] a, float[] b, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector va = FloatVector.fromArray(F, a, i), vb = FloatVector.fromArray(F, b, i);
            va.max(vb).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = Math.max(a[i], b[i]);
    }

    public static void min(float[] a, float[] b, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector va = FloatVector.fromArray(F, a, i), vb = FloatVector.fromArray(F, b, i);
            va.min(vb).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = Math.min(a[i], b[i]);
    }

    public static void pow(float[] a, float[] b, float[] out, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector va = FloatVector.fromArray(F, a, i), vb = FloatVector.fromArray(F, b, i);
            va.lanewise(VectorOperators.POW, vb).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = (float) Math.pow(a[i], b[i]);
    }
}
