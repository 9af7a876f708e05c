package dev.hone.lora;

import dev.hone.autograd.Tape;
import dev.hone.autograd.nn.Linear;
import dev.hone.autograd.nn.LinearLayer;
import dev.hone.tensor.DType;
import dev.hone.tensor.Layout;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;

/**
 * The effective dense weight W [out, in] and bias b [out] (or null) of any linear-like layer, as
 * constants (no gradient): read directly from a dense {@link Linear}, and for any other
 * {@link LinearLayer} (a quantized linear, say) recovered from its forward pass, which is affine:
 * b = f(0) and W^T = f(I) - b, the same identity-matrix probe PEFT's DoRA uses for quantized bases.
 * Needed by DoRA's weight norm and by merging into an exported dense checkpoint.
 */
record BaseWeights(Tensor weight, Tensor bias) {

    /** W and b of {@code base}; probes run in {@code dtype} in the current scope, with recording paused. */
    static BaseWeights of(LinearLayer base, DType dtype) {
        if (base instanceof Linear dense) {
            return new BaseWeights(dense.weight().value(), dense.bias() == null ? null : dense.bias().value());
        }
        return Tape.withoutRecording(() -> {
            int in = base.inFeatures();
            Tensor zero = Tensor.zeros(dtype, 1, in);
            Tensor bias = base.forward(zero).reshape(base.outFeatures()); // [out]
            Tensor eye = Tensor.zeros(dtype, in, in);
            Ops.fill(eye.view(new Layout(Shape.of(in), new long[] {in + 1L}, 0)), 1); // the diagonal
            Tensor weightT = Ops.sub(base.forward(eye), bias); // [in, out]
            return new BaseWeights(weightT.mT().contiguous(), bias);
        });
    }
}
