package dev.hone.tensor.reference;

import dev.hone.tensor.Tensor;

/**
 * Direct double-precision scaled dot-product attention (Vaswani et al. 2017) with grouped-query heads
 * (Ainslie et al. 2023): query head h reads key/value head h / (H / Hkv). Query t sits at key position
 * t + S - T (queries aligned to the end of the keys, as in cached decoding). Key s is visible to
 * query t when (not causal or s &lt;= t + S - T) and (no segments or segment[s] == segment[t + S - T]).
 * The backward pass recomputes probabilities from the saved log-sum-exp, as FlashAttention does
 * (Dao et al. 2022): P = exp(scale q k - lse), dS = P (dP - rowsum(dout * out)).
 */
final class ReferenceAttention {
    private ReferenceAttention() { }

    /** Dimensions and visibility of one attention call. */
    private record Geometry(int batch, int heads, int kvHeads, int queries, int keys, int headDim, boolean causal,
                            long[] segments) {
        static Geometry of(Tensor q, Tensor k, boolean causal, Tensor segments) {
            if (q.dim(2) > k.dim(2) || q.dim(1) % k.dim(1) != 0) {
                throw new IllegalArgumentException("attention: q " + q.shape() + " and k " + k.shape()
                        + " need T <= S and H a multiple of Hkv");
            }
            return new Geometry(q.dim(0), q.dim(1), k.dim(1), q.dim(2), k.dim(2), q.dim(3), causal,
                    segments == null ? null : HostValues.longs(segments));
        }

        int kvHead(int head) { return head / (heads / kvHeads); }

        boolean visible(int b, int t, int s) {
            int queryPosition = t + keys - queries;
            if (causal && s > queryPosition) return false;
            return segments == null || segments[b * keys + s] == segments[b * keys + queryPosition];
        }

        int q(int b, int h, int t) { return ((b * heads + h) * queries + t) * headDim; }

        int kv(int b, int h, int s) { return ((b * kvHeads + kvHead(h)) * keys + s) * headDim; }

        double dot(double[] x, int xAt, double[] y, int yAt) {
            double sum = 0;
            for (int i = 0; i < headDim; i++) sum += x[xAt + i] * y[yAt + i];
            return sum;
        }
    }

    static void forward(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments, Tensor out, Tensor lse) {
        Geometry g = Geometry.of(q, k, causal, segments);
        double[] qv = HostValues.doubles(q), kv = HostValues.doubles(k), vv = HostValues.doubles(v);
        double[] result = new double[qv.length];
        double[] lses = new double[g.batch * g.heads * g.queries];
        double[] scores = new double[g.keys];
        for (int b = 0; b < g.batch; b++) {
            for (int h = 0; h < g.heads; h++) {
                for (int t = 0; t < g.queries; t++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s < g.keys; s++) {
                        scores[s] = g.visible(b, t, s) ? scale * g.dot(qv, g.q(b, h, t), kv, g.kv(b, h, s)) : Double.NEGATIVE_INFINITY;
                        max = Math.max(max, scores[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s < g.keys; s++) sum += Math.exp(scores[s] - max);
                    double logSumExp = max + Math.log(sum);
                    lses[(b * g.heads + h) * g.queries + t] = logSumExp;
                    int o = g.q(b, h, t);
                    for (int s = 0; s < g.keys; s++) {
                        double p = Math.exp(scores[s] - logSumExp);
                        if (p == 0) continue;
                        int at = g.kv(b, h, s);
                        for (int i = 0; i < g.headDim; i++) result[o + i] += p * vv[at + i];
                    }
                }
            }
        }
        HostValues.store(out, result);
        HostValues.store(lse, lses);
    }

    static void backward(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments,
                         Tensor out, Tensor lse, Tensor dout, Tensor dq, Tensor dk, Tensor dv) {
        Geometry g = Geometry.of(q, k, causal, segments);
        double[] qv = HostValues.doubles(q), kv = HostValues.doubles(k), vv = HostValues.doubles(v);
        double[] o = HostValues.doubles(out), l = HostValues.doubles(lse), dO = HostValues.doubles(dout);
        double[] dQ = new double[qv.length], dK = new double[kv.length], dV = new double[vv.length];
        for (int b = 0; b < g.batch; b++) {
            for (int h = 0; h < g.heads; h++) {
                for (int t = 0; t < g.queries; t++) {
                    int qa = g.q(b, h, t);
                    double rowDot = g.dot(dO, qa, o, qa);
                    double logSumExp = l[(b * g.heads + h) * g.queries + t];
                    for (int s = 0; s < g.keys; s++) {
                        if (!g.visible(b, t, s)) continue;
                        int ka = g.kv(b, h, s);
                        double p = Math.exp(scale * g.dot(qv, qa, kv, ka) - logSumExp);
                        double dp = g.dot(dO, qa, vv, ka);
                        double ds = p * (dp - rowDot);
                        for (int i = 0; i < g.headDim; i++) {
                            dV[ka + i] += p * dO[qa + i];
                            dQ[qa + i] += scale * ds * kv[ka + i];
                            dK[ka + i] += scale * ds * qv[qa + i];
                        }
                    }
                }
            }
        }
        HostValues.store(dq, dQ);
        HostValues.store(dk, dK);
        HostValues.store(dv, dV);
    }
}
