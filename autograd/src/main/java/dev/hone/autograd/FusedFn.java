package dev.hone.autograd;

import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.FusedOps;
import dev.hone.tensor.spi.RopeStyle;

/**
 * Row-wise fused ops over the last axis, each delegating forward and backward to the backend's
 * {@link FusedOps} (or the composite fallback {@link Ops#fused} returns): softmax, log-softmax,
 * RMSNorm (Zhang and Sennrich 2019), LayerNorm (Ba, Kiros and Hinton 2016), SwiGLU (Shazeer 2020) and
 * rotary embedding (Su et al. 2021). Saved statistics (the norms' mean and rstd) are F32, or F64 for F64 inputs so float64 gradient checks keep
 * their precision. Inputs are made contiguous before the kernels see them.
 */
public enum FusedFn implements DiffOp {
    SOFTMAX, LOG_SOFTMAX, RMS_NORM, LAYER_NORM, SWIGLU, ROPE;

    @Override
    public String opName() { return name().toLowerCase(); }

    /** F64 for F64 tensors, else F32: the dtype of saved row statistics. */
    static DType statisticsDType(Tensor x) { return x.dtype() == DType.F64 ? DType.F64 : DType.F32; }

    /** y = softmax(x) over the last axis; dx = y * (dy - sum(dy * y)). */
    public static Tensor softmax(Tensor x) {
        Tape.Recording rec = Tape.track(SOFTMAX, x);
        Tensor xc = x.contiguous();
        Tensor y = xc.emptyLike();
        Ops.fused(xc).softmax(xc, y);
        return rec.record(y, dy -> {
            Tensor dx = y.emptyLike();
            Ops.fused(y).softmaxBackward(y, dy.contiguous(), dx);
            return new Tensor[] {dx};
        });
    }

    /** y = x - logsumexp(x) over the last axis; dx = dy - exp(y) * sum(dy). */
    public static Tensor logSoftmax(Tensor x) {
        Tape.Recording rec = Tape.track(LOG_SOFTMAX, x);
        Tensor xc = x.contiguous();
        Tensor y = xc.emptyLike();
        Ops.fused(xc).logSoftmax(xc, y);
        return rec.record(y, dy -> {
            Tensor dx = y.emptyLike();
            Ops.fused(y).logSoftmaxBackward(y, dy.contiguous(), dx);
            return new Tensor[] {dx};
        });
    }

    /** y = x * rsqrt(mean(x^2) + eps) * weight over the last axis; x [..., D], weight [D]. */
    public static Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
        int width = x.dim(-1);
        if (weight.rank() != 1 || weight.dim(0) != width) {
            throw new IllegalArgumentException("rms_norm: weight " + weight.shape() + " for input " + x.shape());
        }
        Tape.Recording rec = Tape.track(RMS_NORM, x, weight);
        Tensor xc = x.contiguous();
        Tensor y = xc.emptyLike();
        int[] rowDims = x.shape().dims();
        int[] statDims = java.util.Arrays.copyOf(rowDims, rowDims.length - 1);
        Tensor rstd = Tensor.empty(statisticsDType(x), statDims); // [...]
        FusedOps fused = Ops.fused(xc);
        fused.rmsNorm(xc, weight, (float) eps, y, rstd);
        return rec.record(y, dy -> {
            Tensor dx = xc.emptyLike();
            Tensor dWeight = rec.needs(1) ? Tensor.zeros(weight.dtype(), width) : null;
            Ops.fused(xc).rmsNormBackward(xc, weight, rstd, dy.contiguous(), dx, dWeight);
            return new Tensor[] {rec.needs(0) ? dx : null, dWeight};
        });
    }

    /** y = (x - mean) * rsqrt(var + eps) * weight + bias over the last axis; x [..., D], weight and bias [D]. */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        int width = x.dim(-1);
        for (Tensor p : new Tensor[] {weight, bias}) {
            if (p.rank() != 1 || p.dim(0) != width) {
                throw new IllegalArgumentException("layer_norm: weight " + weight.shape() + " and bias " + bias.shape() + " for input " + x.shape());
            }
        }
        Tape.Recording rec = Tape.track(LAYER_NORM, x, weight, bias);
        Tensor xc = x.contiguous();
        Tensor y = xc.emptyLike();
        int[] rowDims = x.shape().dims();
        int[] statDims = java.util.Arrays.copyOf(rowDims, rowDims.length - 1);
        Tensor mean = Tensor.empty(statisticsDType(x), statDims), rstd = Tensor.empty(statisticsDType(x), statDims); // [...]
        Ops.fused(xc).layerNorm(xc, weight, bias, (float) eps, y, mean, rstd);
        return rec.record(y, dy -> {
            Tensor dx = xc.emptyLike();
            Tensor dWeight = rec.needs(1) ? Tensor.zeros(weight.dtype(), width) : null;
            Tensor dBias = rec.needs(2) ? Tensor.zeros(bias.dtype(), width) : null;
            Ops.fused(xc).layerNormBackward(xc, weight, mean, rstd, dy.contiguous(), dx, dWeight, dBias);
            return new Tensor[] {rec.needs(0) ? dx : null, dWeight, dBias};
        });
    }

    /** y = silu(gate) * up (the SwiGLU feed-forward gate); gate and up share a shape. */
    public static Tensor swiglu(Tensor gate, Tensor up) {
        if (!gate.shape().equals(up.shape())) throw new IllegalArgumentException("swiglu: gate " + gate.shape() + " and up " + up.shape() + " differ");
        Tape.Recording rec = Tape.track(SWIGLU, gate, up);
        Tensor g = gate.contiguous(), u = up.contiguous();
        Tensor y = g.emptyLike();
        Ops.fused(g).swiglu(g, u, y);
        return rec.record(y, dy -> {
            Tensor dGate = g.emptyLike(), dUp = u.emptyLike();
            Ops.fused(g).swigluBackward(g, u, dy.contiguous(), dGate, dUp);
            return new Tensor[] {rec.needs(0) ? dGate : null, rec.needs(1) ? dUp : null};
        });
    }

    /**
     * Rotary position embedding of x [B, T, H, D] with tables cos/sin [maxPos, D/2] and positions
     * [B, T]. A rotation is orthogonal, so the gradient is dy rotated by the negative angle.
     */
    public static Tensor rope(Tensor x, Tensor cos, Tensor sin, Tensor positions, RopeStyle style) {
        if (x.rank() != 4) throw new IllegalArgumentException("rope: x must be [B, T, H, D], got " + x.shape());
        Tape.Recording rec = Tape.track(ROPE, x);
        Tensor xc = x.contiguous();
        Tensor y = xc.emptyLike();
        Ops.fused(xc).rope(xc, cos, sin, positions, style, false, y);
        return rec.record(y, dy -> {
            Tensor dx = xc.emptyLike();
            Ops.fused(xc).rope(dy.contiguous(), cos, sin, positions, style, true, dx);
            return new Tensor[] {dx};
        });
    }
}
