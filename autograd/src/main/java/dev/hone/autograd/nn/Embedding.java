package dev.hone.autograd.nn;

import dev.hone.autograd.Diff;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.RandomKind;

/**
 * A lookup table weight [vocab, dim]: token ids of any shape give ids.shape + [dim]. Initialised
 * N(0, 1) from an explicit seed, as torch.nn.Embedding. The gradient adds rows into the table.
 */
public final class Embedding extends Module {
    private final Parameter weight;

    public Embedding(int vocab, int dim, DType dtype, long seed) {
        this.weight = register(new Parameter("weight", Ops.random(RandomKind.NORMAL, seed, 0, 1, dtype, vocab, dim)));
    }

    /** A table over an existing weight [vocab, dim] (loaded from a checkpoint); allocates nothing. */
    public Embedding(Tensor weight) {
        if (weight.rank() != 2) throw new IllegalArgumentException("Embedding: weight must be [vocab, dim], got " + weight.shape());
        this.weight = register(new Parameter("weight", weight));
    }

    public Parameter weight() { return weight; }

    /** ids [...] (I32/I64) -> [..., dim]. */
    public Tensor forward(Tensor ids) { return Diff.indexSelect(weight.value(), ids); }
}
