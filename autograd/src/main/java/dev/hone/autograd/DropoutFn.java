package dev.hone.autograd;

import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.RandomKind;

/**
 * Inverted dropout (Srivastava et al. 2014): y = x * mask / (1 - p) with mask ~ Bernoulli(1 - p)
 * drawn from a counter-based generator, so the same seed gives the same mask on every backend and on
 * recomputation (activation checkpointing). Gradient: dy * mask / (1 - p). p = 0 is the identity.
 */
public enum DropoutFn implements DiffOp {
    DROPOUT;

    @Override
    public String opName() { return "dropout"; }

    public Tensor apply(Tensor x, double p, long seed) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout: probability must be in [0, 1), got " + p + " for " + x.shape());
        if (p == 0) return x;
        Tape.Recording rec = Tape.track(this, x);
        Tensor mask = Ops.random(RandomKind.BERNOULLI, seed, 1 - p, 0, x.dtype(), x.shape().dims());
        Tensor scaledMask = Ops.mul(mask, 1 / (1 - p));
        Tensor y = Ops.mul(x, scaledMask);
        return rec.record(y, dy -> new Tensor[] {Ops.mul(dy, scaledMask)});
    }
}
