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

    public Parameter weight() { return weight; }

    public Tensor forward(Tensor ids) { return Diff.indexSelect(weight.value(), ids); }
}
