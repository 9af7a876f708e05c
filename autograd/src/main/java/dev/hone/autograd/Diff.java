package dev.hone.autograd;

import dev.hone.tensor.DType;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.RopeStyle;

/**
 * The differentiable ops, one static method each: model code calls these instead of
 * {@code dev.hone.tensor.Ops} so that, inside an open {@link Tape}, every step is recorded with its
 * gradient rule. Outside a tape (or when no input requires a gradient) each call costs the same as the
 * plain op. The rules themselves live in the {@link DiffOp} enums this class delegates to.
 */
public final class Diff {
    private Diff() { }

    // ---------------------------------------------------------------- elementwise, broadcasting

    public static Tensor add(Tensor a, Tensor b) { return BinaryFn.ADD.apply(a, b); }

    public static Tensor sub(Tensor a, Tensor b) { return BinaryFn.SUB.apply(a, b); }

    public static Tensor mul(Tensor a, Tensor b) { return BinaryFn.MUL.apply(a, b); }

    public static Tensor div(Tensor a, Tensor b) { return BinaryFn.DIV.apply(a, b); }

    public static Tensor add(Tensor x, double c) { return ScalarFn.ADD_SCALAR.apply(x, c); }

    public static Tensor mul(Tensor x, double c) { return ScalarFn.MUL_SCALAR.apply(x, c); }

    public static Tensor pow(Tensor x, double exponent) { return ScalarFn.POW_SCALAR.apply(x, exponent); }

    public static Tensor neg(Tensor x) { return UnaryFn.NEG.apply(x); }

    public static Tensor exp(Tensor x) { return UnaryFn.EXP.apply(x); }

    public static Tensor log(Tensor x) { return UnaryFn.LOG.apply(x); }

    public static Tensor sqrt(Tensor x) { return UnaryFn.SQRT.apply(x); }

    public static Tensor rsqrt(Tensor x) { return UnaryFn.RSQRT.apply(x); }

    public static Tensor tanh(Tensor x) { return UnaryFn.TANH.apply(x); }

    public static Tensor sigmoid(Tensor x) { return UnaryFn.SIGMOID.apply(x); }

    public static Tensor silu(Tensor x) { return UnaryFn.SILU.apply(x); }

    public static Tensor relu(Tensor x) { return UnaryFn.RELU.apply(x); }

    public static Tensor geluTanh(Tensor x) { return UnaryFn.GELU_TANH.apply(x); }

    public static Tensor square(Tensor x) { return UnaryFn.SQUARE.apply(x); }

    public static Tensor abs(Tensor x) { return UnaryFn.ABS.apply(x); }

    // ---------------------------------------------------------------- reductions

    /** Sum over {@code axes} (all when none), dropping them. */
    public static Tensor sum(Tensor x, int... axes) { return ReduceFn.SUM.apply(x, ReduceFn.Dims.DROP, axes); }

    public static Tensor sum(Tensor x, ReduceFn.Dims dims, int... axes) { return ReduceFn.SUM.apply(x, dims, axes); }

    public static Tensor mean(Tensor x, int... axes) { return ReduceFn.MEAN.apply(x, ReduceFn.Dims.DROP, axes); }

    public static Tensor mean(Tensor x, ReduceFn.Dims dims, int... axes) { return ReduceFn.MEAN.apply(x, dims, axes); }

    public static Tensor max(Tensor x, ReduceFn.Dims dims, int... axes) { return ReduceFn.MAX.apply(x, dims, axes); }

    // ---------------------------------------------------------------- linear algebra, shapes, lookup

    /** a [..., M, K] @ b [..., K, N] with broadcast batch axes. */
    public static Tensor matmul(Tensor a, Tensor b) { return MatMulFn.MATMUL.apply(a, b); }

    public static Tensor reshape(Tensor x, int... dims) { return ShapeFn.reshape(x, dims); }

    public static Tensor permute(Tensor x, int... order) { return ShapeFn.permute(x, order); }

    public static Tensor transpose(Tensor x, int a, int b) { return ShapeFn.transpose(x, a, b); }

    public static Tensor narrow(Tensor x, int axis, int start, int length) { return ShapeFn.narrow(x, axis, start, length); }

    public static Tensor expand(Tensor x, Shape shape) { return ShapeFn.expand(x, shape); }

    public static Tensor unsqueeze(Tensor x, int axis) { return ShapeFn.unsqueeze(x, axis); }

    public static Tensor squeeze(Tensor x, int axis) { return ShapeFn.squeeze(x, axis); }

    public static Tensor cat(int axis, Tensor... parts) { return ShapeFn.cat(axis, parts); }

    /** Rows of {@code table} [V, D] picked by an integer index of any shape: index.shape + [D]. */
    public static Tensor indexSelect(Tensor table, Tensor index) { return IndexFn.INDEX_SELECT.apply(table, index); }

    public static Tensor cast(Tensor x, DType dtype) { return CastFn.CAST.apply(x, dtype); }

    public static Tensor dropout(Tensor x, double p, long seed) { return DropoutFn.DROPOUT.apply(x, p, seed); }

    // ---------------------------------------------------------------- fused

    public static Tensor softmax(Tensor x) { return FusedFn.softmax(x); }

    public static Tensor logSoftmax(Tensor x) { return FusedFn.logSoftmax(x); }

    public static Tensor rmsNorm(Tensor x, Tensor weight, double eps) { return FusedFn.rmsNorm(x, weight, eps); }

    /** LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * weight + bias; weight and bias [D]. */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) { return FusedFn.layerNorm(x, weight, bias, eps); }

    public static Tensor swiglu(Tensor gate, Tensor up) { return FusedFn.swiglu(gate, up); }

    public static Tensor rope(Tensor x, Tensor cos, Tensor sin, Tensor positions, RopeStyle style) {
        return FusedFn.rope(x, cos, sin, positions, style);
    }

    public static Tensor crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, CrossEntropyFn.Reduction reduction) {
        return CrossEntropyFn.CROSS_ENTROPY.apply(logits, targets, ignoreIndex, reduction);
    }

    /** LoRA's x [..., in]·W [out, in]ᵀ + scale·(x·A [r, in]ᵀ)·B [out, r]ᵀ as one op (see {@link LowRankLinearFn}). */
    public static Tensor lowRankLinear(Tensor x, Tensor w, Tensor a, Tensor b, double scale) { return LowRankLinearFn.linear(x, w, a, b, scale); }

    /** base [..., out] + scale·(x [..., in]·A [r, in]ᵀ)·B [out, r]ᵀ as one op, for a base layer of any kind. */
    public static Tensor lowRankUpdate(Tensor base, Tensor x, Tensor a, Tensor b, double scale) { return LowRankLinearFn.update(base, x, a, b, scale); }

    /**
     * {@link #lowRankUpdate} written over {@code base}'s buffer: only for a base output that is a fresh intermediate
     * no recorded op saved and the caller does not read again ({@code LinearLayer.forwardResultIsWritable}).
     */
    public static Tensor lowRankUpdateInPlace(Tensor base, Tensor x, Tensor a, Tensor b, double scale) {
        return LowRankLinearFn.updateInPlace(base, x, a, b, scale);
    }

    public static Tensor attention(Tensor q, Tensor k, Tensor v, double scale, AttentionFn.Masking masking, Tensor segments) {
        return AttentionFn.ATTENTION.apply(q, k, v, scale, masking, segments);
    }
}
