package dev.hone.tensor.spi;

import dev.hone.tensor.Tensor;
import dev.hone.tensor.ops.CompositeFusedOps;

/**
 * Optional fused kernels, forward and backward side by side. All operate on the last axis unless said
 * otherwise, take F32 or BF16 activations (F64 on the reference backend) and compute in F32 or wider.
 * Output tensors are preallocated by the caller. Gradient outputs named {@code d*Accumulate} are added
 * into (+=), all other outputs are overwritten. Methods with a default body (GELU backward, LayerNorm)
 * fall back to {@link CompositeFusedOps}, so a backend that has no kernel for them stays complete.
 */
public interface FusedOps {

    /** y = softmax(x) over the last axis. */
    void softmax(Tensor x, Tensor y);

    /** dx = y * (dy - sum(dy * y)). */
    void softmaxBackward(Tensor y, Tensor dy, Tensor dx);

    /** y = x - logsumexp(x) over the last axis. */
    void logSoftmax(Tensor x, Tensor y);

    /** dx = dy - exp(y) * sum(dy). */
    void logSoftmaxBackward(Tensor y, Tensor dy, Tensor dx);

    /**
     * Per-row cross-entropy of logits [N, V] against targets [N] (I32/I64): loss[n] = lse[n] - logits[n, t].
     * Rows whose target equals {@code ignoreIndex} get loss 0. Writes loss [N] (F32 or the logits' dtype, as
     * autograd allocates it) and lse [N] (F32).
     */
    void crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor loss, Tensor lse);

    /** dlogits[n] = dloss[n] * (softmax(logits[n]) - onehot(t)), zero for ignored rows; dloss F32 or the logits' dtype. */
    void crossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor lse, Tensor dloss, Tensor dlogits);

    /** y = x * rsqrt(mean(x^2) + eps) * weight over the last axis; rstd [N] (F32) saved for backward. */
    void rmsNorm(Tensor x, Tensor weight, float eps, Tensor y, Tensor rstd);

    /** dx (overwritten); dweightAccumulate (+=, may be null when the weight is frozen). */
    void rmsNormBackward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dweightAccumulate);

    /**
     * LayerNorm over the last axis (Ba, Kiros and Hinton 2016): y = (x - mean) * rstd * weight + bias with
     * rstd = 1 / sqrt(var + eps), var the biased row variance. Saves mean [N] and rstd [N] (F32, F64 for
     * F64 inputs) for backward.
     */
    default void layerNorm(Tensor x, Tensor weight, Tensor bias, float eps, Tensor y, Tensor mean, Tensor rstd) {
        new CompositeFusedOps().layerNorm(x, weight, bias, eps, y, mean, rstd);
    }

    /**
     * With xhat = (x - mean) * rstd and g = dy * weight: dx = rstd * (g - mean(g) - xhat * mean(g * xhat))
     * (overwritten); dweightAccumulate += sum over rows of dy * xhat and dbiasAccumulate += sum of dy
     * (either may be null when frozen).
     */
    default void layerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dy, Tensor dx,
                                   Tensor dweightAccumulate, Tensor dbiasAccumulate) {
        new CompositeFusedOps().layerNormBackward(x, weight, mean, rstd, dy, dx, dweightAccumulate, dbiasAccumulate);
    }

    /**
     * dx = dy * gelu'(x) for the tanh GELU gelu(x) = x/2 (1 + tanh(c (x + 0.044715 x^3))), c = sqrt(2/pi)
     * (Hendrycks and Gimpel 2016); x, dy and dx share a shape (dx overwritten).
     */
    default void geluTanhBackward(Tensor x, Tensor dy, Tensor dx) {
        new CompositeFusedOps().geluTanhBackward(x, dy, dx);
    }

    /** y = silu(gate) * up (the SwiGLU MLP's gate). */
    void swiglu(Tensor gate, Tensor up, Tensor y);

    /** dgate, dup from dy (both overwritten). */
    void swigluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dgate, Tensor dup);

    /**
     * Rotary embedding on x [B, T, H, D] with tables cos/sin [maxPos, D/2] (F32) and positions [B, T]
     * (I32). {@code style} picks rotate-half (Hugging Face) or interleaved pairs (llama2.c / Meta).
     * {@code inverse} rotates by the negative angle, which is the backward pass.
     */
    void rope(Tensor x, Tensor cos, Tensor sin, Tensor positions, RopeStyle style, boolean inverse, Tensor y);

    /**
     * Scaled dot-product attention with grouped-query heads: q [B, H, T, D], k and v [B, Hkv, S, D],
     * H a multiple of Hkv. Causal masks key s > query t (queries aligned to the end of keys: position
     * t attends to s <= t + S - T). {@code segments} [B, S] (I32, nullable) blocks attention between
     * different packed examples. Writes out [B, H, T, D] and lse [B, H, T] (F32) for backward. q, k and v
     * may be any views (the heads of a fused QKV projection are strided views of it); so may out (autograd
     * lays it out in q's axis order, [B, T, H, D] for projection heads); lse is contiguous.
     */
    void attention(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments, Tensor out, Tensor lse);

    /** dq, dk, dv overwritten; all tensors but lse may be any views (autograd lays dq, dk, dv out in q's, k's, v's axis order). */
    void attentionBackward(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments,
                           Tensor out, Tensor lse, Tensor dout, Tensor dq, Tensor dk, Tensor dv);

    /**
     * One AdamW step in place (decoupled weight decay, bias-corrected): m = b1 m + (1-b1) g;
     * v = b2 v + (1-b2) g^2; p -= lr * (mhat / (sqrt(vhat) + eps) + weightDecay * p), with
     * mhat = m / (1 - b1^step), vhat = v / (1 - b2^step). m and v are F32; p is F32 (or BF16 with F32 math).
     */
    void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
               float weightDecay, long step);
}
