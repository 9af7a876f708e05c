package dev.hone.autograd.nn;

import dev.hone.autograd.Diff;
import dev.hone.tensor.DType;
import dev.hone.tensor.Tensor;

/**
 * Root-mean-square layer norm (Zhang and Sennrich 2019) over the last axis: y = x / sqrt(mean(x^2) + eps) * weight,
 * weight [dim] initialised to ones (as Llama's RMSNorm).
 */
public final class RMSNorm extends Module {
    private final Parameter weight;
    private final double eps;

    public RMSNorm(int dim, double eps, DType dtype) {
        this.weight = register(new Parameter("weight", Tensor.ones(dtype, dim)));
        this.eps = eps;
    }

    /** A norm over an existing weight [dim] (loaded from a checkpoint); allocates nothing. */
    public RMSNorm(Tensor weight, double eps) {
        if (weight.rank() != 1) throw new IllegalArgumentException("RMSNorm: weight must be [dim], got " + weight.shape());
        this.weight = register(new Parameter("weight", weight));
        this.eps = eps;
    }

    public Parameter weight() { return weight; }

    public double eps() { return eps; }

    public Tensor forward(Tensor x) { return Diff.rmsNorm(x, weight.value(), eps); }
}
