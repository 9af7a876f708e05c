package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row kernels of RMSNorm (Zhang and Sennrich, "Root Mean Square Layer Normalization", 2019):
 * y = x * rstd * w with rstd = 1 / sqrt(mean(x^2) + eps). Backward, with c = rstd^3 / n * sum(dy * w * x):
 * dx = rstd * w * dy - c * x, and dw += dy * x * rstd summed over rows.
 */
public final class RmsNorm {
    private RmsNorm() { }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** 1 / sqrt(mean(x^2) + eps) of one row. */
    public static float rstd(float[] x, int n, float eps) {
        float meanSquare = Reductions.dot(x, 0, x, 0, n) / n;
        return (float) (1.0 / Math.sqrt(meanSquare + eps));
    }

    /** y[i] = x[i] * rstd * w[i]. */
    public static void normalize(float[] x, float[] w, float rstd, float[] y, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, i).mul(rstd).mul(FloatVector.fromArray(F, w, i)).intoArray(y, i);
        }
        for (; i < n; i++) y[i] = x[i] * rstd * w[i];
    }

    /** dx[i] = rstd * w[i] * dy[i] - c * x[i]. */
    public static void inputGrad(float[] x, float[] w, float[] dy, float rstd, float c, float[] dx, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector wdy = FloatVector.fromArray(F, w, i).mul(FloatVector.fromArray(F, dy, i)).mul(rstd);
            wdy.sub(FloatVector.fromArray(F, x, i).mul(c)).intoArray(dx, i);
        }
        for (; i < n; i++) dx[i] = rstd * w[i] * dy[i] - c * x[i];
    }

    /** dw[i] += dy[i] * x[i] * rstd (into a per-task partial; tasks' partials are summed afterwards). */
    public static void accumulateWeightGrad(float[] dy, float[] x, float rstd, float[] dw, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector dyx = FloatVector.fromArray(F, dy, i).mul(FloatVector.fromArray(F, x, i));
            dyx.mul(rstd).add(FloatVector.fromArray(F, dw, i)).intoArray(dw, i);
        }
        for (; i < n; i++) dw[i] += dy[i] * x[i] * rstd;
    }
}
