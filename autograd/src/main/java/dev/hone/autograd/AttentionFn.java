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
        Tensor qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
        Tensor out = qc.emptyLike();                                                        // [B, H, T, D]
        Tensor lse = Tensor.empty(FusedFn.statisticsDType(qc), q.dim(0), q.dim(1), q.dim(2)); // [B, H, T]
        Ops.fused(qc).attention(qc, kc, vc, (float) scale, causal, segments, out, lse);
        return rec.record(out, dout -> {
            Tensor dq = qc.emptyLike(), dk = kc.emptyLike(), dv = vc.emptyLike();
            Ops.fused(qc).attentionBackward(qc, kc, vc, (float) scale, causal, segments, out, lse, dout.contiguous(), dq, dk, dv);
            return new Tensor[] {rec.needs(0) ? dq : null, rec.needs(1) ? dk : null, rec.needs(2) ? dv : null};
        });
    }
}
