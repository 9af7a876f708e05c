package dev.hone.autograd;

import dev.hone.tensor.Ops;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;

import java.util.Arrays;

/**
 * A linear map plus a scaled low-rank update, as one recorded op: the LoRA layer of Hu et al. 2021
 * ("LoRA: Low-Rank Adaptation of Large Language Models"), y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ, with x [..., in],
 * W [out, in], A [r, in], B [out, r] and h = x·Aᵀ [..., r]. With g the output gradient:
 * dx = g·W + s·(g·B)·A, dA = s·(g·B)ᵀ·x, dB = s·gᵀ·h, dW = gᵀ·x.
 *
 * <p>Why fused: composed from separate ops the update costs a full [..., out] temporary and an add in
 * forward, and another full [..., in] temporary and an add in backward. Here the dense product and the
 * update are one {@link Ops#matmulSumInto} (backends merge each output tile once), likewise the dense and
 * low-rank parts of dx; the scale rides on each product's {@code alpha}, and only h is saved. The
 * narrow products read each wide operand once: g·B and dB = s·gᵀ·h come from one pass over g, and dA
 * from one pass over x, both through {@link Ops#narrowProductsInto} (as separate GEMMs each read the
 * [rows, width] operand from memory again: LoRA r=16 over a [2048x768]·[768x768] layer cost 19-20% on top
 * of the frozen layer's forward+backward, 14% with the shared passes). The transposed adapter A in
 * forward is passed as a strided view (the GEMM packs it anyway).
 *
 * <p>{@link #LOW_RANK_LINEAR} takes the dense W itself; {@link #LOW_RANK_UPDATE} takes the output of
 * any base layer instead (y = base + s·(x·Aᵀ)·Bᵀ, gradient g passed through to base), for bases whose
 * weight is not a dense tensor (a 4-bit quantized layer). Invariants: all operands share one floating
 * dtype and device; W, A and B are matrices; the output is a new contiguous tensor (no input is written).
 */
public enum LowRankLinearFn implements DiffOp {
    /** y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ; inputs (x, W, A, B). */
    LOW_RANK_LINEAR,
    /** y = base + s·(x·Aᵀ)·Bᵀ; inputs (base, x, A, B). */
    LOW_RANK_UPDATE;

    @Override
    public String opName() { return name().toLowerCase(); }

    /** x [..., in] · W [out, in]ᵀ + scale · (x · A [r, in]ᵀ) · B [out, r]ᵀ → [..., out]. */
    public static Tensor linear(Tensor x, Tensor w, Tensor a, Tensor b, double scale) {
        check(LOW_RANK_LINEAR, x, a, b);
        if (w.rank() != 2 || w.dim(0) != b.dim(0) || w.dim(1) != a.dim(1) || w.dtype() != x.dtype() || !w.device().equals(x.device())) {
            throw new IllegalArgumentException("low_rank_linear: weight " + w.shape() + " " + w.dtype() + " does not match x " + x.shape()
                    + " " + x.dtype() + " and lora_B " + b.shape() + " (expected [" + b.dim(0) + ", " + a.dim(1) + "])");
        }
        Tape.Recording rec = Tape.track(LOW_RANK_LINEAR, x, w, a, b);
        float s = (float) scale;
        Tensor rows = x.reshape(-1, x.dim(-1));                  // [M, in]
        Tensor h = Ops.matmul(rows, a.mT());                     // [M, r]
        Tensor y = Tensor.empty(rows.backend(), rows.dtype(), Shape.of(rows.dim(0), b.dim(0))); // [M, out]
        Ops.matmulSumInto(rows, w.mT(), 1f, h, b.mT(), s, y, 0f); // y = x·Wᵀ + s·h·Bᵀ, one pass over y
        return rec.record(y.reshape(outputDims(x, b)), dy -> {
            // order chosen for cache reuse: the narrow products that read g run back to back, and dA follows
            // the update that left g·B warm
            Tensor g = dy.reshape(-1, dy.dim(-1));               // [M, out]
            Tensor[] gbAndDb = outputGradientProducts(g, b, h, s, rec.needs(0) || rec.needs(2), rec.needs(3));
            Tensor gb = gbAndDb[0], db = gbAndDb[1];             // [M, r], [out, r]
            Tensor dx = null;
            if (rec.needs(0)) {
                dx = Tensor.empty(rows.backend(), rows.dtype(), rows.shape());  // [M, in]
                Ops.matmulSumInto(g, w, 1f, gb, a, s, dx, 0f);   // dx = g·W + s·(g·B)·A, one pass over dx
                dx = dx.reshape(x.shape().dims());
            }
            Tensor da = rec.needs(2) ? adapterAGradient(gb, rows, s) : null;    // [r, in]
            Tensor dw = rec.needs(1) ? Ops.matmul(g.mT(), rows) : null;         // [out, in]
            return new Tensor[] {dx, dw, da, db};
        });
    }

    /** base [..., out] + scale · (x [..., in] · A [r, in]ᵀ) · B [out, r]ᵀ → [..., out]. */
    public static Tensor update(Tensor base, Tensor x, Tensor a, Tensor b, double scale) { return update(base, x, a, b, scale, false); }

    /**
     * As {@link #update}, the result written over a contiguous {@code base}'s buffer (a new tensor handle on the same
     * memory) instead of a copy. The base's values are gone afterwards, so it must be an intermediate nothing reads
     * again: the backward needs only x, h and B, and passes dy through to the base unchanged.
     */
    public static Tensor updateInPlace(Tensor base, Tensor x, Tensor a, Tensor b, double scale) { return update(base, x, a, b, scale, true); }

    private static Tensor update(Tensor base, Tensor x, Tensor a, Tensor b, double scale, boolean inPlace) {
        check(LOW_RANK_UPDATE, x, a, b);
        if (!Arrays.equals(base.shape().dims(), outputDims(x, b)) || base.dtype() != x.dtype() || !base.device().equals(x.device())) {
            throw new IllegalArgumentException("low_rank_update: base output " + base.shape() + " " + base.dtype() + " does not match x "
                    + x.shape() + " " + x.dtype() + " with lora_B " + b.shape());
        }
        Tape.Recording rec = Tape.track(LOW_RANK_UPDATE, base, x, a, b);
        float s = (float) scale;
        Tensor rows = x.reshape(-1, x.dim(-1));                  // [M, in]
        Tensor y = inPlace && base.isContiguous() ? base.reshape(-1, b.dim(0)) : base.reshape(-1, b.dim(0)).copy();   // [M, out]
        Tensor h = Ops.matmul(rows, a.mT());                     // [M, r]
        Ops.matmulInto(h, b.mT(), y, s, 1f);                     // y += s·h·Bᵀ
        return rec.record(y.reshape(base.shape().dims()), dy -> {
            Tensor g = dy.reshape(-1, dy.dim(-1));               // [M, out]
            Tensor[] gbAndDb = outputGradientProducts(g, b, h, s, rec.needs(1) || rec.needs(2), rec.needs(3));
            Tensor gb = gbAndDb[0];                              // [M, r]
            Tensor dx = null;
            if (rec.needs(1)) {
                dx = Tensor.empty(rows.backend(), rows.dtype(), rows.shape());
                Ops.matmulInto(gb, a, dx, s, 0f);                // dx = s·(g·B)·A
                dx = dx.reshape(x.shape().dims());
            }
            return new Tensor[] {rec.needs(0) ? dy : null, dx, rec.needs(2) ? adapterAGradient(gb, rows, s) : null, gbAndDb[1]};
        });
    }

    /**
     * g·B [M, r] (when wanted) and dB = s·gᵀ·h [out, r] (when wanted) from one pass over the output
     * gradient g [M, out] ({@link Ops#narrowProductsInto}); either slot null when not wanted.
     */
    private static Tensor[] outputGradientProducts(Tensor g, Tensor b, Tensor h, float s, boolean wantGb, boolean wantDb) {
        Tensor gb = wantGb ? Tensor.empty(g.backend(), g.dtype(), Shape.of(g.dim(0), b.dim(1))) : null;   // [M, r]
        if (!wantDb) {
            if (wantGb) Ops.matmulInto(g, b, gb, 1f, 0f);
            return new Tensor[] {gb, null};
        }
        Tensor db = Tensor.empty(g.backend(), g.dtype(), Shape.of(b.dim(0), b.dim(1)));          // [out, r]
        Ops.narrowProductsInto(g, wantGb ? b : null, gb, h, s, db, 0f);
        return new Tensor[] {gb, db};
    }

    /**
     * dA = s·(g·B)ᵀ·x [r, in], accumulated as its transpose s·xᵀ·(g·B) [in, r] in one pass over x, written
     * through a transposed view of dA so no copy into [r, in] follows.
     */
    private static Tensor adapterAGradient(Tensor gb, Tensor rows, float s) {
        Tensor da = Tensor.empty(rows.backend(), rows.dtype(), Shape.of(gb.dim(1), rows.dim(1))); // [r, in]
        Ops.narrowProductsInto(rows, null, null, gb, s, da.mT(), 0f);                             // its [in, r] view
        return da;
    }

    private static void check(LowRankLinearFn op, Tensor x, Tensor a, Tensor b) {
        if (x.rank() < 1 || a.rank() != 2 || b.rank() != 2 || a.dim(1) != x.dim(-1) || b.dim(1) != a.dim(0)) {
            throw new IllegalArgumentException(op.opName() + ": x " + x.shape() + ", lora_A " + a.shape() + ", lora_B " + b.shape()
                    + " do not chain as x [..., in], A [r, in], B [out, r]");
        }
        if (!x.dtype().isFloating() || a.dtype() != x.dtype() || b.dtype() != x.dtype()) {
            throw new IllegalArgumentException(op.opName() + ": x " + x.dtype() + ", lora_A " + a.dtype() + ", lora_B " + b.dtype()
                    + " must share one floating dtype");
        }
        if (!a.device().equals(x.device()) || !b.device().equals(x.device())) {
            throw new IllegalArgumentException(op.opName() + ": x on " + x.device() + ", lora_A on " + a.device() + ", lora_B on " + b.device());
        }
    }

    /** x's dims with the last replaced by out (B's rows). */
    private static int[] outputDims(Tensor x, Tensor b) {
        int[] dims = x.shape().dims().clone();
        dims[dims.length - 1] = b.dim(0);
        return dims;
    }
}
