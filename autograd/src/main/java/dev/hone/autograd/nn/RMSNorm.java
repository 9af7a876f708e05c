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

    public Parameter weight() { return weight; }

    public double eps() { return eps; }

    public Tensor forward(Tensor x) { return Diff.rmsNorm(x, weight.value(), eps); }
}
