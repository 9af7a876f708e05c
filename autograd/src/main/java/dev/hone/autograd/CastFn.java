package dev.hone.autograd;

import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;

/**
 * Conversion between floating dtypes (e.g. F32 to BF16 for mixed precision). The gradient passes
 * through, converted back to the input's dtype.
 */
public enum CastFn implements DiffOp {
    CAST;

    @Override
    public String opName() { return "cast"; }

    public Tensor apply(Tensor x, dev.hone.tensor.DType dtype) {
        if (!x.dtype().isFloating() || !dtype.isFloating()) {
            throw new IllegalArgumentException("cast: differentiable casts are between floating dtypes, got " + x.dtype() + " -> " + dtype);
        }
        Tape.Recording rec = Tape.track(this, x);
        Tensor y = x.dtype() == dtype ? x : Ops.cast(x, dtype);
        return rec.record(y, dy -> new Tensor[] {dy.dtype() == x.dtype() ? dy : Ops.cast(dy, x.dtype())});
    }
}
