package dev.hone.transformer.model;

import dev.hone.autograd.Diff;
import dev.hone.autograd.nn.Module;
import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.Tensor;

/**
 * The token embedding table over a given weight [V, D] (Hugging Face's {@code embed_tokens}): ids of any
 * shape give ids.shape + [D]. Unlike {@code nn.Embedding} it never initialises a table of its own, so
 * loading a checkpoint allocates nothing beyond the checkpoint's tensor.
 */
public final class TokenEmbedding extends Module {
    private final Parameter weight;

    public TokenEmbedding(Tensor weight) {
        if (weight.rank() != 2) throw new IllegalArgumentException("TokenEmbedding: weight must be [vocab, dim], got " + weight.shape());
        this.weight = register(new Parameter("weight", weight));
    }

    public Parameter weight() { return weight; }

    /** ids [...] (I32/I64) → [..., D]. */
    public Tensor forward(Tensor ids) { return Diff.indexSelect(weight.value(), ids); }
}
