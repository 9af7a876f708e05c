package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Reductions and BLAS-1 style loops on F32 working arrays, each over {@code [off, off + n)}. Sums keep
 * one F32 accumulator per vector lane and add the lanes at the end in a fixed order ({@link LaneSum}), so
 * their rounding differs from a sequential loop by at most a few ulp times log(n) and is the same on every
 * call. MAX/MIN propagate NaN.
 */
public final class Reductions {
    private Reductions() { }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    public static float sum(float[] x, int off, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) acc = acc.add(FloatVector.fromArray(F, x, off + i));
        float s = LaneSum.of(acc);
        for (; i < n; i++) s += x[off + i];
        return s;
    }

    public static float max(float[] x, int off, int n) {
        FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) acc = acc.max(FloatVector.fromArray(F, x, off + i));
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    public static float min(float[] x, int off, int n) {
        FloatVector acc = FloatVector.broadcast(F, Float.POSITIVE_INFINITY);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) acc = acc.min(FloatVector.fromArray(F, x, off + i));
        float m = acc.reduceLanes(VectorOperators.MIN);
        for (; i < n; i++) m = Math.min(m, x[off + i]);
        return m;
    }

    /** Sum of x[xOff + i] * y[yOff + i]. */
    public static float dot(float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            acc = FloatVector.fromArray(F, x, xOff + i).fma(FloatVector.fromArray(F, y, yOff + i), acc);
        }
        float s = LaneSum.of(acc);
        for (; i < n; i++) s += x[xOff + i] * y[yOff + i];
        return s;
    }

    /** Sum of three-way products x * y * z (used by the RMSNorm backward). */
    public static float dot3(float[] x, float[] y, float[] z, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector xy = FloatVector.fromArray(F, x, i).mul(FloatVector.fromArray(F, y, i));
            acc = xy.fma(FloatVector.fromArray(F, z, i), acc);
        }
        float s = LaneSum.of(acc);
        for (; i < n; i++) s += x[i] * y[i] * z[i];
        return s;
    }

    /** y[yOff + i] += alpha * x[xOff + i]. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).fma(a, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    /** x[off + i] *= s. */
    public static void scale(float[] x, int off, int n, float s) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
        }
        for (; i < n; i++) x[off + i] *= s;
    }

    /** acc[i] += x[i]. */
    public static void accumulateSum(float[] acc, float[] x, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, acc, i).add(FloatVector.fromArray(F, x, i)).intoArray(acc, i);
        }
        for (; i < n; i++) acc[i] += x[i];
    }

    /** acc[i] = max(acc[i], x[i]). */
    public static void accumulateMax(float[] acc, float[] x, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, acc, i).max(FloatVector.fromArray(F, x, i)).intoArray(acc, i);
        }
        for (; i < n; i++) acc[i] = Math.max(acc[i], x[i]);
    }

    /** acc[i] = min(acc[i], x[i]). */
    public static void accumulateMin(float[] acc, float[] x, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, acc, i).min(FloatVector.fromArray(F, x, i)).intoArray(acc, i);
        }
        for (; i < n; i++) acc[i] = Math.min(acc[i], x[i]);
    }
}
