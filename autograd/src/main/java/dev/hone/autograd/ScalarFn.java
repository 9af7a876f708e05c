package dev.hone.autograd;

import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;

/** Elementwise functions of a tensor and a constant double c, with gradients with respect to the tensor. */
public enum ScalarFn implements DiffOp {
    ADD_SCALAR {
        Tensor forward(Tensor x, double c) { return Ops.add(x, c); }

        Tensor derivative(Tensor x, double c, Tensor dy) { return dy; }
    },
    MUL_SCALAR {
        Tensor forward(Tensor x, double c) { return Ops.mul(x, c); }

        Tensor derivative(Tensor x, double c, Tensor dy) { return Ops.mul(dy, c); }
    },
    /** x^c; derivative c x^(c-1). */
    POW_SCALAR {
        Tensor forward(Tensor x, double c) { return Ops.pow(x, constant(x, c)); }

        Tensor derivative(Tensor x, double c, Tensor dy) { return Ops.mul(Ops.mul(dy, Ops.pow(x, constant(x, c - 1))), c); }
    };

    abstract Tensor forward(Tensor x, double c);

    abstract Tensor derivative(Tensor x, double c, Tensor dy);

    private static Tensor constant(Tensor like, double c) { return Tensor.scalar(like.dtype(), c); }

    @Override
    public String opName() { return name().toLowerCase(); }

    public Tensor apply(Tensor x, double c) {
        Tape.Recording rec = Tape.track(this, x);
        Tensor y = forward(x, c);
        return rec.record(y, dy -> new Tensor[] {derivative(x, c, dy)});
    }
}
