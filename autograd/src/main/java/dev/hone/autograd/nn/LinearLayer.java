package dev.hone.autograd.nn;

import dev.hone.tensor.Tensor;

/**
 * Anything that maps [..., in] to [..., out] like a linear layer: a dense {@link Linear}, a quantized
 * linear, or a LoRA wrapper around either. Models hold their projections as this type so adapters can
 * be put in place by module path ({@link Module#replace}).
 */
public interface LinearLayer {
    Tensor forward(Tensor x);

    int inFeatures();

    int outFeatures();

    /**
     * Whether {@link #forward} returns a new buffer that no recorded op keeps for its backward, so a caller may
     * write over it (a LoRA wrapper then adds its update in place instead of into a copy, one [..., out] buffer
     * per layer and step less). False unless the layer says so.
     */
    default boolean forwardResultIsWritable() { return false; }
}
