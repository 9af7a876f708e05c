package dev.hone.autograd;

import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;

/**
 * Scaled dot-product attention with grouped-query heads through the backend's fused kernel:
 * q [B, H, T, D], k and v [B, Hkv, S, D] (H a multiple of Hkv) give out [B, H, T, D]. Optional causal
 * masking (queries aligned to the end of the keys) and packed-sequence segments [B, S] that block
 * attention across examples. Saves q, k, v, out and the per-row log-sum-exp [B, H, T]; the backward
 * kernel recomputes the probabilities from them (FlashAttention, Dao et al. 2022).
 */
public enum AttentionFn implements DiffOp {
    ATTENTION;

    /** Whether a query may attend to keys after its own position. */
    public enum Masking { CAUSAL, NONE }

    @Override
    public String opName() { return "attention"; }

    public Tensor apply(Tensor q, Tensor k, Tensor v, double scale, Masking masking, Tensor segments) {
        if (q.rank() != 4 || k.rank() != 4 || !k.shape().equals(v.shape()) || q.dim(0) != k.dim(0) || q.dim(3) != k.dim(3)
                || k.dim(1) == 0 || q.dim(1) % k.dim(1) != 0) {
            throw new IllegalArgumentException("attention: q must be [B, H, T, D] and k, v [B, Hkv, S, D] with H a multiple of Hkv; got q "
                    + q.shape() + ", k " + k.shape() + ", v " + v.shape());
        }
        boolean causal = masking == Masking.CAUSAL;
        Tape.Recording rec = Tape.track(this, q, k, v);
        // q, k, v and dout go to the kernels as they are: the FusedOps contract takes any views (the heads of a
        // fused QKV projection are strided views of it; copying them cost ~2% of a GPT-2 block step)
        // out and the gradients take their input's axis order: heads that are views of a [B, T, H, D]
        // projection give results that permute back to [B, T, H, D] and reshape to [BT, H*D] without a copy
        Tensor out = q.emptyLikeInStrideOrder();                                           // [B, H, T, D]
        Tensor lse = Tensor.empty(FusedFn.statisticsDType(q), q.dim(0), q.dim(1), q.dim(2)); // [B, H, T]
        Ops.fused(q).attention(q, k, v, (float) scale, causal, segments, out, lse);
        return rec.record(out, dout -> {
            Tensor dq = q.emptyLikeInStrideOrder(), dk = k.emptyLikeInStrideOrder(), dv = v.emptyLikeInStrideOrder();
            Ops.fused(q).attentionBackward(q, k, v, (float) scale, causal, segments, out, lse, dout, dq, dk, dv);
            return new Tensor[] {rec.needs(0) ? dq : null, rec.needs(1) ? dk : null, rec.needs(2) ? dv : null};
        });
    }
}
