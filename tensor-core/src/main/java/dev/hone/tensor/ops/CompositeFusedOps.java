package dev.hone.tensor.ops;

import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.CompareOp;
import dev.hone.tensor.spi.FusedOps;
import dev.hone.tensor.spi.RopeStyle;

/**
 * {@link FusedOps} for backends that offer none, composed from the eager primitives in {@link Ops}.
 * Each method computes in F32 (F64 for F64 inputs), keeps its temporaries in a nested {@link Scope}
 * that is closed before returning, and writes each result into the caller's output with one final
 * rounding. Semantics are those of the interface; the reference backend's direct loops are the check.
 * Slow (one temporary per primitive) but correct for any backend whose primitives are.
 */
public final class CompositeFusedOps implements FusedOps {

    private static DType computeType(Tensor t) { return t.dtype() == DType.F64 ? DType.F64 : DType.F32; }

    private static Tensor compute(Tensor t, DType type) { return Ops.cast(t, type); }

    /** dst = value rounded to dst's dtype; value has dst's element count (its shape may differ by size-1 axes). */
    private static void store(Tensor value, Tensor dst) {
        Ops.copyInto(Ops.cast(value, dst.dtype()).reshape(dst.shape().dims()), dst);
    }

    private static int[] withLast(Tensor t, int size) {
        int[] d = t.shape().dims();
        d[d.length - 1] = size;
        return d;
    }

    // ---------------------------------------------------------------- softmax family

    @Override
    public void softmax(Tensor x, Tensor y) {
        try (Scope ignored = Scope.open()) {
            Tensor z = compute(x, computeType(x));
            Tensor e = Ops.exp(Ops.sub(z, Ops.max(z, true, -1)));
            store(Ops.div(e, Ops.sum(e, true, -1)), y);
        }
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        try (Scope ignored = Scope.open()) {
            DType type = computeType(y);
            Tensor p = compute(y, type), g = compute(dy, type);
            Tensor dot = Ops.sum(Ops.mul(g, p), true, -1);
            store(Ops.mul(p, Ops.sub(g, dot)), dx);
        }
    }

    @Override
    public void logSoftmax(Tensor x, Tensor y) {
        try (Scope ignored = Scope.open()) {
            Tensor z = compute(x, computeType(x));
            Tensor shifted = Ops.sub(z, Ops.max(z, true, -1));
            store(Ops.sub(shifted, Ops.log(Ops.sum(Ops.exp(shifted), true, -1))), y);
        }
    }

    @Override
    public void logSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        try (Scope ignored = Scope.open()) {
            DType type = computeType(y);
            Tensor logp = compute(y, type), g = compute(dy, type);
            store(Ops.sub(g, Ops.mul(Ops.exp(logp), Ops.sum(g, true, -1))), dx);
        }
    }

    /** Row-wise log-sum-exp with the max subtracted first: [N, V] -> [N, 1]. */
    private static Tensor logSumExpRows(Tensor z) {
        Tensor max = Ops.max(z, true, -1);
        return Ops.add(max, Ops.log(Ops.sum(Ops.exp(Ops.sub(z, max)), true, -1)));
    }

    // ---------------------------------------------------------------- cross-entropy

    @Override
    public void crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor loss, Tensor lse) {
        try (Scope ignored = Scope.open()) {
            Tensor z = compute(logits, computeType(logits));                               // [N, V]
            Tensor rowLse = logSumExpRows(z);                                               // [N, 1]
            Tensor skip = Ops.compare(CompareOp.EQ, targets, Ops.scalarLike(targets, ignoreIndex)).unsqueeze(1); // [N, 1]
            Tensor picked = Ops.gather(z, 1, safeTargets(targets, skip));                  // [N, 1]
            store(Ops.where(skip, Ops.scalarLike(z, 0), Ops.sub(rowLse, picked)), loss);
            store(rowLse, lse);
        }
    }

    @Override
    public void crossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor lse, Tensor dloss, Tensor dlogits) {
        try (Scope ignored = Scope.open()) {
            DType type = computeType(logits);
            Tensor z = compute(logits, type);                                               // [N, V]
            int n = z.dim(0);
            Tensor skip = Ops.compare(CompareOp.EQ, targets, Ops.scalarLike(targets, ignoreIndex)).unsqueeze(1); // [N, 1]
            Tensor probabilities = Ops.exp(Ops.sub(z, compute(lse, type).reshape(n, 1)));
            Tensor oneHot = Ops.full(z, type, z.shape(), 0);
            Ops.scatterAdd(oneHot, 1, safeTargets(targets, skip), Ops.full(z, type, Shape.of(n, 1), 1));
            Tensor grad = Ops.mul(Ops.sub(probabilities, oneHot), compute(dloss, type).reshape(n, 1));
            store(Ops.where(skip, Ops.scalarLike(grad, 0), grad), dlogits);
        }
    }

    /** targets as an [N, 1] gather index, ignored rows pointing at class 0. */
    private static Tensor safeTargets(Tensor targets, Tensor skip) {
        return Ops.where(skip, Ops.scalarLike(targets, 0), targets.unsqueeze(1));
    }

    // ---------------------------------------------------------------- RMSNorm, LayerNorm, GELU, SwiGLU

    @Override
    public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor y, Tensor rstd) {
        try (Scope ignored = Scope.open()) {
            DType type = computeType(x);
            Tensor z = compute(x, type);
            Tensor inverseRms = Ops.rsqrt(Ops.add(Ops.mean(Ops.square(z), true, -1), eps)); // [..., 1]
            store(Ops.mul(Ops.mul(z, inverseRms), compute(weight, type)), y);
            store(inverseRms, rstd);
        }
    }

    @Override
    public void rmsNormBackward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dweightAccumulate) {
        try (Scope ignored = Scope.open()) {
            DType type = computeType(x);
            Tensor z = compute(x, type), g = compute(dy, type);
            Tensor inverseRms = compute(rstd, type).reshape(withLast(x, 1));              // [..., 1]
            Tensor xhat = Ops.mul(z, inverseRms);
            Tensor gw = Ops.mul(g, compute(weight, type));
            Tensor meanDot = Ops.mean(Ops.mul(gw, xhat), true, -1);
            store(Ops.mul(inverseRms, Ops.sub(gw, Ops.mul(xhat, meanDot))), dx);
            if (dweightAccumulate != null) {
                Tensor part = Ops.sumTo(Ops.mul(g, xhat), weight.shape());
                store(Ops.add(compute(dweightAccumulate, type), part), dweightAccumulate);
            }
        }
    }

    @Override
    public void layerNorm(Tensor x, Tensor weight, Tensor bias, float eps, Tensor y, Tensor mean, Tensor rstd) {
        try (Scope ignored = Scope.open()) {
            DType type = computeType(x);
            Tensor z = compute(x, type);
            Tensor rowMean = Ops.mean(z, true, -1);                                           // [..., 1]
            Tensor centred = Ops.sub(z, rowMean);
            Tensor inverseStd = Ops.rsqrt(Ops.add(Ops.mean(Ops.square(centred), true, -1), eps)); // [..., 1]
            Tensor scaled = Ops.mul(Ops.mul(centred, inverseStd), compute(weight, type));
            store(Ops.add(scaled, compute(bias, type)), y);
            store(rowMean, mean);
            store(inverseStd, rstd);
        }
    }

    @Override
    public void layerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dy, Tensor dx,
                                  Tensor dweightAccumulate, Tensor dbiasAccumulate) {
        try (Scope ignored = Scope.open()) {
            DType type = computeType(x);
            Tensor z = compute(x, type), g = compute(dy, type);
            Tensor inverseStd = compute(rstd, type).reshape(withLast(x, 1));                // [..., 1]
            Tensor xhat = Ops.mul(Ops.sub(z, compute(mean, type).reshape(withLast(x, 1))), inverseStd);
            Tensor gw = Ops.mul(g, compute(weight, type));
            Tensor meanGw = Ops.mean(gw, true, -1), meanDot = Ops.mean(Ops.mul(gw, xhat), true, -1);
            store(Ops.mul(inverseStd, Ops.sub(Ops.sub(gw, meanGw), Ops.mul(xhat, meanDot))), dx);
            if (dweightAccumulate != null) {
                Tensor part = Ops.sumTo(Ops.mul(g, xhat), weight.shape());
                store(Ops.add(compute(dweightAccumulate, type), part), dweightAccumulate);
            }
            if (dbiasAccumulate != null) {
                store(Ops.add(compute(dbiasAccumulate, type), Ops.sumTo(g, weight.shape())), dbiasAccumulate);
            }
        }
    }

    /** gelu'(x) = (1 + t)/2 + x/2 (1 - t^2) c (1 + 3 * 0.044715 x^2), t = tanh(c (x + 0.044715 x^3)). */
    @Override
    public void geluTanhBackward(Tensor x, Tensor dy, Tensor dx) {
        try (Scope ignored = Scope.open()) {
            DType type = computeType(x);
            double c = Math.sqrt(2 / Math.PI);
            Tensor z = compute(x, type), z2 = Ops.square(z);
            Tensor t = Ops.tanh(Ops.mul(Ops.mul(z, Ops.add(Ops.mul(z2, 0.044715), 1.0)), c));
            Tensor first = Ops.mul(Ops.add(t, 1.0), 0.5);
            Tensor sech2 = Ops.add(Ops.neg(Ops.square(t)), 1.0);
            Tensor du = Ops.mul(Ops.add(Ops.mul(z2, 3 * 0.044715), 1.0), c);
            Tensor second = Ops.mul(Ops.mul(Ops.mul(z, sech2), du), 0.5);
            store(Ops.mul(compute(dy, type), Ops.add(first, second)), dx);
        }
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, Tensor y) {
        try (Scope ignored = Scope.open()) {
            DType type = computeType(gate);
            store(Ops.mul(Ops.silu(compute(gate, type)), compute(up, type)), y);
        }
    }

    @Override
    public void swigluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dgate, Tensor dup) {
        try (Scope ignored = Scope.open()) {
            DType type = computeType(gate);
            Tensor g = compute(gate, type), u = compute(up, type), d = compute(dy, type);
            Tensor s = Ops.sigmoid(g);
            Tensor slope = Ops.mul(s, Ops.add(Ops.mul(g, Ops.add(Ops.neg(s), 1)), 1));  // silu'(g)
            store(Ops.mul(Ops.mul(d, u), slope), dgate);
            store(Ops.mul(d, Ops.mul(g, s)), dup);
        }
    }

    // ---------------------------------------------------------------- RoPE

    @Override
    public void rope(Tensor x, Tensor cos, Tensor sin, Tensor positions, RopeStyle style, boolean inverse, Tensor y) {
        try (Scope ignored = Scope.open()) {
            DType type = computeType(x);
            int b = x.dim(0), t = x.dim(1), h = x.dim(2), d = x.dim(3), half = d / 2;
            Tensor z = compute(x, type);                                                    // [B, T, H, D]
            Tensor c = Ops.indexSelect(compute(cos, type), positions).unsqueeze(2);        // [B, T, 1, D/2]
            Tensor s = Ops.indexSelect(compute(sin, type), positions).unsqueeze(2);        // [B, T, 1, D/2]
            if (inverse) s = Ops.neg(s);
            Tensor first, second;                                                           // [B, T, H, D/2] each
            if (style == RopeStyle.HALF) {
                first = z.narrow(-1, 0, half);
                second = z.narrow(-1, half, half);
            } else {
                Tensor pairs = z.reshape(b, t, h, half, 2);
                first = pairs.narrow(-1, 0, 1).squeeze(-1);
                second = pairs.narrow(-1, 1, 1).squeeze(-1);
            }
            Tensor rotatedFirst = Ops.sub(Ops.mul(first, c), Ops.mul(second, s));
            Tensor rotatedSecond = Ops.add(Ops.mul(second, c), Ops.mul(first, s));
            Tensor result = style == RopeStyle.HALF
                    ? Ops.cat(-1, rotatedFirst, rotatedSecond)
                    : Ops.cat(-1, rotatedFirst.unsqueeze(-1), rotatedSecond.unsqueeze(-1)).reshape(b, t, h, d);
            store(result, y);
        }
    }

    // ---------------------------------------------------------------- attention

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments, Tensor out, Tensor lse) {
        try (Scope ignored = Scope.open()) {
            DType type = computeType(q);
            Tensor qf = compute(q, type);                                                   // [B, H, T, D]
            Tensor kx = repeatKv(compute(k, type), q.dim(1));                             // [B, H, S, D]
            Tensor vx = repeatKv(compute(v, type), q.dim(1));                             // [B, H, S, D]
            Tensor scores = maskedScores(qf, kx, scale, causal, segments);                 // [B, H, T, S]
            Tensor rowLse = logSumExpRows(scores);                                          // [B, H, T, 1]
            Tensor probabilities = Ops.exp(Ops.sub(scores, rowLse));
            store(Ops.matmul(probabilities, vx), out);
            store(rowLse, lse);
        }
    }

    @Override
    public void attentionBackward(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments,
                                  Tensor out, Tensor lse, Tensor dout, Tensor dq, Tensor dk, Tensor dv) {
        try (Scope ignored = Scope.open()) {
            DType type = computeType(q);
            int heads = q.dim(1);
            Tensor qf = compute(q, type), of = compute(out, type), dof = compute(dout, type); // [B, H, T, D]
            Tensor kx = repeatKv(compute(k, type), heads), vx = repeatKv(compute(v, type), heads); // [B, H, S, D]
            Tensor scores = maskedScores(qf, kx, scale, causal, segments);                 // [B, H, T, S]
            Tensor rowLse = compute(lse, type).unsqueeze(-1);                              // [B, H, T, 1]
            Tensor p = Ops.exp(Ops.sub(scores, rowLse));
            Tensor dp = Ops.matmul(dof, vx.mT());                                           // [B, H, T, S]
            Tensor rowDot = Ops.sum(Ops.mul(dof, of), true, -1);                            // [B, H, T, 1]
            Tensor ds = Ops.mul(p, Ops.sub(dp, rowDot));
            store(Ops.mul(Ops.matmul(ds, kx), scale), dq);
            store(sumGroups(Ops.mul(Ops.matmul(ds.mT(), qf), scale), k), dk);
            store(sumGroups(Ops.matmul(p.mT(), dof), v), dv);
        }
    }

    /** [B, Hkv, S, D] -> [B, H, S, D]: query head h reads key/value head h / (H / Hkv). */
    private static Tensor repeatKv(Tensor kv, int heads) {
        int b = kv.dim(0), kvHeads = kv.dim(1), s = kv.dim(2), d = kv.dim(3);
        if (heads == kvHeads) return kv;
        return kv.unsqueeze(2).expand(b, kvHeads, heads / kvHeads, s, d).reshape(b, heads, s, d);
    }

    /** Inverse of {@link #repeatKv} for gradients: [B, H, S, D] summed back to [B, Hkv, S, D]. */
    private static Tensor sumGroups(Tensor grad, Tensor kv) {
        int b = kv.dim(0), kvHeads = kv.dim(1), s = kv.dim(2), d = kv.dim(3), heads = grad.dim(1);
        if (heads == kvHeads) return grad;
        return Ops.sum(grad.reshape(b, kvHeads, heads / kvHeads, s, d), false, 2);
    }

    /** scale * q k^T with invisible keys set to -inf (see ReferenceAttention for the visibility rule). */
    private static Tensor maskedScores(Tensor q, Tensor kx, float scale, boolean causal, Tensor segments) {
        Tensor scores = Ops.mul(Ops.matmul(q, kx.mT()), scale);                            // [B, H, T, S]
        int t = q.dim(2), s = kx.dim(2);
        Tensor visible = null;                                                              // BOOL, broadcasts to [B, T, S]
        if (causal) {
            Tensor queryPosition = Ops.add(Ops.arange(q, DType.I32, t), s - t).unsqueeze(1); // [T, 1]
            Tensor keyPosition = Ops.arange(q, DType.I32, s).unsqueeze(0);                // [1, S]
            visible = Ops.compare(CompareOp.LE, keyPosition, queryPosition);               // [T, S]
        }
        if (segments != null) {
            Tensor querySegment = segments.narrow(1, s - t, t).unsqueeze(2);              // [B, T, 1]
            Tensor same = Ops.compare(CompareOp.EQ, segments.unsqueeze(1), querySegment);  // [B, T, S]
            visible = visible == null ? same : Ops.where(visible, same, visible);
        }
        if (visible == null) return scores;
        return Ops.where(visible.unsqueeze(-3), scores, Ops.scalarLike(scores, Double.NEGATIVE_INFINITY));
    }

    // ---------------------------------------------------------------- AdamW

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, long step) {
        try (Scope ignored = Scope.open()) {
            DType type = computeType(param);
            Tensor p = compute(param, type), g = compute(grad, type);
            Tensor first = Ops.add(Ops.mul(compute(m, type), beta1), Ops.mul(g, 1.0 - beta1));
            Tensor second = Ops.add(Ops.mul(compute(v, type), beta2), Ops.mul(Ops.square(g), 1.0 - beta2));
            Tensor mhat = Ops.mul(first, 1.0 / (1.0 - Math.pow(beta1, step)));
            Tensor vhat = Ops.mul(second, 1.0 / (1.0 - Math.pow(beta2, step)));
            Tensor update = Ops.add(Ops.div(mhat, Ops.add(Ops.sqrt(vhat), eps)), Ops.mul(p, weightDecay));
            Tensor updated = Ops.sub(p, Ops.mul(update, lr));
            store(updated, param);
            store(first, m);
            store(second, v);
        }
    }
}
