package dev.hone.tensor.reference;

import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.RopeStyle;

/**
 * Direct double-precision loops for the row-wise fused ops of {@link dev.hone.tensor.spi.FusedOps}:
 * softmax, log-softmax, cross-entropy, RMSNorm (Zhang and Sennrich 2019), LayerNorm (Ba et al. 2016),
 * the tanh-GELU derivative (Hendrycks and Gimpel 2016), SwiGLU (Shazeer 2020),
 * rotary embeddings (Su et al. 2021, RoFormer) and AdamW (Loshchilov and Hutter 2019). A "row" is
 * the last axis; operands are read whole in row-major order, so any strides work.
 */
final class ReferenceRowKernels {
    private ReferenceRowKernels() { }

    private static int rowLength(Tensor t) { return t.rank() == 0 ? 1 : t.dim(-1); }

    private static int rows(Tensor t) { return Math.toIntExact(t.numel() / Math.max(1, rowLength(t))); }

    static void softmax(Tensor x, Tensor y) {
        int d = rowLength(x);
        double[] v = HostValues.doubles(x);
        for (int r = 0; r < rows(x); r++) {
            double max = rowMax(v, r * d, d), sum = 0;
            for (int i = 0; i < d; i++) sum += Math.exp(v[r * d + i] - max);
            for (int i = 0; i < d; i++) v[r * d + i] = Math.exp(v[r * d + i] - max) / sum;
        }
        HostValues.store(y, v);
    }

    static void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        int d = rowLength(y);
        double[] p = HostValues.doubles(y), g = HostValues.doubles(dy);
        double[] result = new double[p.length];
        for (int r = 0; r < rows(y); r++) {
            double dot = 0;
            for (int i = 0; i < d; i++) dot += g[r * d + i] * p[r * d + i];
            for (int i = 0; i < d; i++) result[r * d + i] = p[r * d + i] * (g[r * d + i] - dot);
        }
        HostValues.store(dx, result);
    }

    static void logSoftmax(Tensor x, Tensor y) {
        int d = rowLength(x);
        double[] v = HostValues.doubles(x);
        for (int r = 0; r < rows(x); r++) {
            double lse = logSumExp(v, r * d, d);
            for (int i = 0; i < d; i++) v[r * d + i] -= lse;
        }
        HostValues.store(y, v);
    }

    static void logSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        int d = rowLength(y);
        double[] logp = HostValues.doubles(y), g = HostValues.doubles(dy);
        double[] result = new double[logp.length];
        for (int r = 0; r < rows(y); r++) {
            double sum = 0;
            for (int i = 0; i < d; i++) sum += g[r * d + i];
            for (int i = 0; i < d; i++) result[r * d + i] = g[r * d + i] - Math.exp(logp[r * d + i]) * sum;
        }
        HostValues.store(dx, result);
    }

    static void crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor loss, Tensor lse) {
        int n = logits.dim(0), vocab = logits.dim(1);
        double[] z = HostValues.doubles(logits);
        long[] t = HostValues.longs(targets);
        double[] losses = new double[n], lses = new double[n];
        for (int r = 0; r < n; r++) {
            lses[r] = logSumExp(z, r * vocab, vocab);
            if (t[r] == ignoreIndex) continue;
            losses[r] = lses[r] - z[r * vocab + checkedTarget(t[r], r, vocab)];
        }
        HostValues.store(loss, losses);
        HostValues.store(lse, lses);
    }

    static void crossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor lse, Tensor dloss, Tensor dlogits) {
        int n = logits.dim(0), vocab = logits.dim(1);
        double[] z = HostValues.doubles(logits), l = HostValues.doubles(lse), g = HostValues.doubles(dloss);
        long[] t = HostValues.longs(targets);
        double[] result = new double[z.length];
        for (int r = 0; r < n; r++) {
            if (t[r] == ignoreIndex) continue;
            int target = checkedTarget(t[r], r, vocab);
            for (int i = 0; i < vocab; i++) {
                double p = Math.exp(z[r * vocab + i] - l[r]);
                result[r * vocab + i] = g[r] * (p - (i == target ? 1 : 0));
            }
        }
        HostValues.store(dlogits, result);
    }

    private static int checkedTarget(long target, int row, int vocab) {
        if (target < 0 || target >= vocab) {
            throw new IndexOutOfBoundsException("crossEntropy: target " + target + " of row " + row + " out of range for "
                    + vocab + " classes");
        }
        return (int) target;
    }

    static void rmsNorm(Tensor x, Tensor weight, float eps, Tensor y, Tensor rstd) {
        int d = rowLength(x), n = rows(x);
        double[] v = HostValues.doubles(x), w = HostValues.doubles(weight);
        double[] inverseRms = new double[n];
        for (int r = 0; r < n; r++) {
            double sumSquares = 0;
            for (int i = 0; i < d; i++) sumSquares += v[r * d + i] * v[r * d + i];
            inverseRms[r] = 1.0 / Math.sqrt(sumSquares / d + eps);
            for (int i = 0; i < d; i++) v[r * d + i] = v[r * d + i] * inverseRms[r] * w[i];
        }
        HostValues.store(y, v);
        HostValues.store(rstd, inverseRms);
    }

    /** With xhat = x * rstd and g = dy * w: dx = rstd * (g - xhat * mean(g * xhat)); dw += sum over rows of dy * xhat. */
    static void rmsNormBackward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dweightAccumulate) {
        int d = rowLength(x), n = rows(x);
        double[] v = HostValues.doubles(x), w = HostValues.doubles(weight), s = HostValues.doubles(rstd);
        double[] g = HostValues.doubles(dy);
        double[] result = new double[v.length];
        double[] dw = dweightAccumulate == null ? null : HostValues.doubles(dweightAccumulate);
        for (int r = 0; r < n; r++) {
            double dot = 0;
            for (int i = 0; i < d; i++) dot += g[r * d + i] * w[i] * v[r * d + i] * s[r];
            double meanDot = dot / d;
            for (int i = 0; i < d; i++) {
                double xhat = v[r * d + i] * s[r];
                result[r * d + i] = s[r] * (g[r * d + i] * w[i] - xhat * meanDot);
                if (dw != null) dw[i] += g[r * d + i] * xhat;
            }
        }
        HostValues.store(dx, result);
        if (dw != null) HostValues.store(dweightAccumulate, dw);
    }

    static void layerNorm(Tensor x, Tensor weight, Tensor bias, float eps, Tensor y, Tensor mean, Tensor rstd) {
        int d = rowLength(x), n = rows(x);
        double[] v = HostValues.doubles(x), w = HostValues.doubles(weight), b = HostValues.doubles(bias);
        double[] rowMean = new double[n], inverseStd = new double[n];
        for (int r = 0; r < n; r++) {
            double sum = 0, sumSquares = 0;
            for (int i = 0; i < d; i++) sum += v[r * d + i];
            rowMean[r] = sum / d;
            for (int i = 0; i < d; i++) sumSquares += (v[r * d + i] - rowMean[r]) * (v[r * d + i] - rowMean[r]);
            inverseStd[r] = 1.0 / Math.sqrt(sumSquares / d + eps);
            for (int i = 0; i < d; i++) v[r * d + i] = (v[r * d + i] - rowMean[r]) * inverseStd[r] * w[i] + b[i];
        }
        HostValues.store(y, v);
        HostValues.store(mean, rowMean);
        HostValues.store(rstd, inverseStd);
    }

    /**
     * With xhat = (x - mean) * rstd and g = dy * w: dx = rstd * (g - mean(g) - xhat * mean(g * xhat));
     * dw += sum over rows of dy * xhat; db += sum over rows of dy.
     */
    static void layerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dy, Tensor dx,
                                  Tensor dweightAccumulate, Tensor dbiasAccumulate) {
        int d = rowLength(x), n = rows(x);
        double[] v = HostValues.doubles(x), w = HostValues.doubles(weight), m = HostValues.doubles(mean);
        double[] s = HostValues.doubles(rstd), g = HostValues.doubles(dy);
        double[] result = new double[v.length];
        double[] dw = dweightAccumulate == null ? null : HostValues.doubles(dweightAccumulate);
        double[] db = dbiasAccumulate == null ? null : HostValues.doubles(dbiasAccumulate);
        for (int r = 0; r < n; r++) {
            double sumG = 0, dot = 0;
            for (int i = 0; i < d; i++) {
                sumG += g[r * d + i] * w[i];
                dot += g[r * d + i] * w[i] * (v[r * d + i] - m[r]) * s[r];
            }
            for (int i = 0; i < d; i++) {
                double xhat = (v[r * d + i] - m[r]) * s[r];
                result[r * d + i] = s[r] * (g[r * d + i] * w[i] - sumG / d - xhat * dot / d);
                if (dw != null) dw[i] += g[r * d + i] * xhat;
                if (db != null) db[i] += g[r * d + i];
            }
        }
        HostValues.store(dx, result);
        if (dw != null) HostValues.store(dweightAccumulate, dw);
        if (db != null) HostValues.store(dbiasAccumulate, db);
    }

    /** dx = dy * ((1 + t)/2 + x/2 (1 - t^2) c (1 + 3 * 0.044715 x^2)), t = tanh(c (x + 0.044715 x^3)), c = sqrt(2/pi). */
    static void geluTanhBackward(Tensor x, Tensor dy, Tensor dx) {
        double[] v = HostValues.doubles(x), g = HostValues.doubles(dy);
        double c = Math.sqrt(2 / Math.PI);
        for (int i = 0; i < v.length; i++) {
            double t = Math.tanh(c * (v[i] + 0.044715 * v[i] * v[i] * v[i]));
            double slope = 0.5 * (1 + t) + 0.5 * v[i] * (1 - t * t) * c * (1 + 3 * 0.044715 * v[i] * v[i]);
            v[i] = g[i] * slope;
        }
        HostValues.store(dx, v);
    }

    static void swiglu(Tensor gate, Tensor up, Tensor y) {
        double[] g = HostValues.doubles(gate), u = HostValues.doubles(up);
        for (int i = 0; i < g.length; i++) g[i] = g[i] * ScalarMath.sigmoid(g[i]) * u[i];
        HostValues.store(y, g);
    }

    /** dgate = dy * up * sigmoid(g) * (1 + g * (1 - sigmoid(g))); dup = dy * silu(g). */
    static void swigluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dgate, Tensor dup) {
        double[] g = HostValues.doubles(gate), u = HostValues.doubles(up), d = HostValues.doubles(dy);
        double[] dg = new double[g.length], du = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            double s = ScalarMath.sigmoid(g[i]);
            dg[i] = d[i] * u[i] * s * (1 + g[i] * (1 - s));
            du[i] = d[i] * g[i] * s;
        }
        HostValues.store(dgate, dg);
        HostValues.store(dup, du);
    }

    /**
     * Rotates each pair (a, b) of a head by the angle of its position: a' = a cos - b sin,
     * b' = b cos + a sin (sin negated when inverse). HALF pairs dimension i with i + D/2, INTERLEAVED
     * pairs 2i with 2i + 1; pair i uses column i of the cos/sin tables.
     */
    static void rope(Tensor x, Tensor cos, Tensor sin, Tensor positions, RopeStyle style, boolean inverse, Tensor y) {
        int b = x.dim(0), t = x.dim(1), h = x.dim(2), d = x.dim(3), half = d / 2, maxPos = cos.dim(0);
        double[] v = HostValues.doubles(x), c = HostValues.doubles(cos), s = HostValues.doubles(sin);
        long[] pos = HostValues.longs(positions);
        double sign = inverse ? -1 : 1;
        for (int bt = 0; bt < b * t; bt++) {
            long p = pos[bt];
            if (p < 0 || p >= maxPos) {
                throw new IndexOutOfBoundsException("rope: position " + p + " at [" + bt / t + ", " + bt % t
                        + "] out of range for tables of " + maxPos + " positions");
            }
            for (int head = 0; head < h; head++) {
                int base = (bt * h + head) * d;
                for (int i = 0; i < half; i++) {
                    int ia = style == RopeStyle.HALF ? base + i : base + 2 * i;
                    int ib = style == RopeStyle.HALF ? base + i + half : base + 2 * i + 1;
                    double cosine = c[(int) p * half + i], sine = sign * s[(int) p * half + i];
                    double first = v[ia], second = v[ib];
                    v[ia] = first * cosine - second * sine;
                    v[ib] = second * cosine + first * sine;
                }
            }
        }
        HostValues.store(y, v);
    }

    static void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, long step) {
        double[] p = HostValues.doubles(param), g = HostValues.doubles(grad);
        double[] first = HostValues.doubles(m), second = HostValues.doubles(v);
        double correction1 = 1 - Math.pow(beta1, step), correction2 = 1 - Math.pow(beta2, step);
        for (int i = 0; i < p.length; i++) {
            first[i] = beta1 * first[i] + (1 - beta1) * g[i];
            second[i] = beta2 * second[i] + (1 - beta2) * g[i] * g[i];
            double mhat = first[i] / correction1, vhat = second[i] / correction2;
            p[i] -= lr * (mhat / (Math.sqrt(vhat) + eps) + weightDecay * p[i]);
        }
        HostValues.store(param, p);
        HostValues.store(m, first);
        HostValues.store(v, second);
    }

    static double rowMax(double[] v, int from, int length) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < length; i++) max = Math.max(max, v[from + i]);
        return max;
    }

    static double logSumExp(double[] v, int from, int length) {
        double max = rowMax(v, from, length);
        if (max == Double.NEGATIVE_INFINITY) return max;
        double sum = 0;
        for (int i = 0; i < length; i++) sum += Math.exp(v[from + i] - max);
        return max + Math.log(sum);
    }
}
