package dev.hone.transformer.model;

import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.RandomKind;

/**
 * A fresh initialisation as Hugging Face's {@code LlamaPreTrainedModel._init_weights} with
 * initializer_range 0.02: matrices N(0, 0.02), norm weights 1, biases 0. Each tensor draws from its own
 * seed (the base seed plus its request order), so a model is reproducible from one seed on any backend.
 */
public final class RandomLlamaWeights implements LlamaWeights {
    private static final double INITIALIZER_RANGE = 0.02;

    private final DType dtype;
    private final long seed;
    private long drawn;

    public RandomLlamaWeights(DType dtype, long seed) {
        this.dtype = dtype;
        this.seed = seed;
    }

    @Override
    public Tensor tensor(String name, Shape shape) {
        long tensorSeed = seed + drawn++;
        if (name.endsWith("norm.weight")) return Tensor.ones(dtype, shape.dims());
        if (name.endsWith(".bias")) return Tensor.zeros(dtype, shape.dims());
        return Ops.random(RandomKind.NORMAL, tensorSeed, 0, INITIALIZER_RANGE, dtype, shape.dims());
    }

    @Override
    public DType dtype() { return dtype; }

    @Override
    public Parameter.Trainability trainability() { return Parameter.Trainability.TRAINABLE; }
}
