package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row kernels of LayerNorm (Ba, Kiros and Hinton, "Layer Normalization", 2016): y = xhat * w + b with
 * xhat = (x - mean) * rstd, rstd = 1 / sqrt(var + eps) and var the biased row variance, computed from the
 * centred row (two passes, no E[x^2] - mean^2 cancellation). Backward, with g = dy * w:
 * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)); dw += dy * xhat and db += dy summed over rows.
 */
public final class LayerNorm {
    private LayerNorm() { }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** 1 / sqrt(mean((x - mean)^2) + eps) of one row. */
    public static float rstd(float[] x, float mean, int n, float eps) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector d = FloatVector.fromArray(F, x, i).sub(mean);
            acc = d.fma(d, acc);
        }
        float sum = LaneSum.of(acc);
        for (; i < n; i++) sum += (x[i] - mean) * (x[i] - mean);
        return (float) (1.0 / Math.sqrt(sum / n + eps));
    }

    /** y[i] = (x[i] - mean) * rstd * w[i] + b[i]; y may alias x. */
    public static void normalize(float[] x, float mean, float rstd, float[] w, float[] b, float[] y, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector xhat = FloatVector.fromArray(F, x, i).sub(mean).mul(rstd);
            xhat.fma(FloatVector.fromArray(F, w, i), FloatVector.fromArray(F, b, i)).intoArray(y, i);
        }
        for (; i < n; i++) y[i] = Math.fma((x[i] - mean) * rstd, w[i], b[i]);
    }

    /** xhat[i] = (x[i] - mean) * rstd and gw[i] = dy[i] * w[i]; xhat may alias x. */
    public static void standardize(float[] x, float mean, float rstd, float[] dy, float[] w, float[] xhat, float[] gw, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, i).sub(mean).mul(rstd).intoArray(xhat, i);
            FloatVector.fromArray(F, dy, i).mul(FloatVector.fromArray(F, w, i)).intoArray(gw, i);
        }
        for (; i < n; i++) {
            xhat[i] = (x[i] - mean) * rstd;
            gw[i] = dy[i] * w[i];
        }
    }

    /** dx[i] = rstd * (gw[i] - meanGw - xhat[i] * meanDot). */
    public static void inputGrad(float[] xhat, float[] gw, float rstd, float meanGw, float meanDot, float[] dx, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector centredGrad = FloatVector.fromArray(F, gw, i).sub(meanGw);
            FloatVector.fromArray(F, xhat, i).mul(-meanDot).add(centredGrad).mul(rstd).intoArray(dx, i);
        }
        for (; i < n; i++) dx[i] = rstd * (xhat[i] * -meanDot + (gw[i] - meanGw));
    }
}
