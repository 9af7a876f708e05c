package dev.hone.transformer.model;

import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.DType;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;

/**
 * Where a {@link LlamaModel} gets its weights while it is built: a checkpoint (Hugging Face safetensors,
 * llama2.c .bin) or a random initialisation. Names are Hugging Face's ("model.layers.0.mlp.up_proj.weight").
 *
 * <p>Contract: {@link #tensor} returns a tensor of exactly {@code shape} and {@link #dtype()} or throws an
 * exception naming the source file and the tensor; it is owned by the current scope or by a resource the
 * source hands to the model ({@link #release}). {@link #trainability()} says whether the tensors may be
 * written (memory-mapped weights are read-only, so their parameters are frozen).
 */
public interface LlamaWeights {

    /** The weight {@code name} with the given shape, in {@link #dtype()}. */
    Tensor tensor(String name, Shape shape);

    /** The dtype every returned tensor has (the model's dtype). */
    DType dtype();

    /** TRAINABLE when the tensors are writable copies, FROZEN when they are read-only views of a file. */
    Parameter.Trainability trainability();

    /** What the model must close when it is closed (an open memory-mapped file), or null. */
    default AutoCloseable release() { return null; }
}
