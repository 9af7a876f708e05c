package dev.hone.lora;

import dev.hone.autograd.nn.Module;
import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.Tensor;

/**
 * DoRA's learned magnitude m [out] (Liu et al. 2024, "DoRA: Weight-Decomposed Low-Rank Adaptation"),
 * one value per output row, held as parameter "weight" like PEFT's {@code DoraLinearLayer}: in memory
 * "q_proj.lora_magnitude_vector.default.weight", in adapter files "q_proj.lora_magnitude_vector".
 */
final class DoraMagnitude extends Module {
    private final Parameter weight;

    DoraMagnitude(Tensor magnitude) {
        if (magnitude.rank() != 1) throw new IllegalArgumentException("DoRA magnitude must be [out], got " + magnitude.shape());
        this.weight = register(new Parameter("weight", magnitude));
    }

    Parameter weight() { return weight; }
}
