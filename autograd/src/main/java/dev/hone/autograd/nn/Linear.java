package dev.hone.autograd.nn;

import dev.hone.autograd.Diff;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.RandomKind;

/**
 * y = x W^T + b with weight [out, in] (PyTorch's layout, so checkpoints load unchanged) and optional
 * bias [out]; x is [..., in], y is [..., out]. Initialisation as torch.nn.Linear: kaiming-uniform with
 * a = sqrt(5), i.e. W and b ~ U(-1/sqrt(in), 1/sqrt(in)), from an explicit seed.
 */
public final class Linear extends Module implements LinearLayer {

    /** Whether the layer adds a bias vector. */
    public enum Bias { WITH_BIAS, NO_BIAS }

    private final Parameter weight;
    private final Parameter bias;

    public Linear(int in, int out, Bias bias, DType dtype, long seed) {
        double bound = 1 / Math.sqrt(in);
        this.weight = register(new Parameter("weight", Ops.random(RandomKind.UNIFORM, seed, -bound, bound, dtype, out, in)));
        this.bias = bias == Bias.WITH_BIAS
                ? register(new Parameter("bias", Ops.random(RandomKind.UNIFORM, seed + 1, -bound, bound, dtype, out)))
                : null;
    }

    /** A layer over existing tensors (loaded from a checkpoint): weight [out, in], bias [out] or null. */
    public Linear(Tensor weight, Tensor bias) {
        if (weight.rank() != 2) throw new IllegalArgumentException("Linear: weight must be [out, in], got " + weight.shape());
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != weight.dim(0))) {
            throw new IllegalArgumentException("Linear: bias " + bias.shape() + " does not match weight " + weight.shape());
        }
        this.weight = register(new Parameter("weight", weight));
        this.bias = bias == null ? null : register(new Parameter("bias", bias));
    }

    @Override
    public int inFeatures() { return weight.value().dim(1); }

    @Override
    public int outFeatures() { return weight.value().dim(0); }

    public Parameter weight() { return weight; }

    /** The bias, or null for {@link Bias#NO_BIAS}. */
    public Parameter bias() { return bias; }

    /** The product's output is fresh and saved by no backward rule (nor is the bias sum's). */
    @Override
    public boolean forwardResultIsWritable() { return true; }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = Diff.matmul(x, Diff.transpose(weight.value(), 0, 1)); // [..., out]
        return bias == null ? y : Diff.add(y, bias.value());
    }
}
