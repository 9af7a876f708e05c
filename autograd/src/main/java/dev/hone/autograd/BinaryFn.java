package dev.hone.autograd;

import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;

/**
 * Elementwise arithmetic of two tensors under NumPy broadcasting, with gradients. Each rule computes
 * the full-shape gradient and reduces it to the input's shape with {@link Ops#sumTo}, the one place
 * broadcasting is undone. Inputs share a dtype.
 */
public enum BinaryFn implements DiffOp {
    ADD {
        Tensor forward(Tensor a, Tensor b) { return Ops.add(a, b); }

        Tensor gradA(Tensor a, Tensor b, Tensor y, Tensor dy) { return dy; }

        Tensor gradB(Tensor a, Tensor b, Tensor y, Tensor dy) { return dy; }
    },
    SUB {
        Tensor forward(Tensor a, Tensor b) { return Ops.sub(a, b); }

        Tensor gradA(Tensor a, Tensor b, Tensor y, Tensor dy) { return dy; }

        Tensor gradB(Tensor a, Tensor b, Tensor y, Tensor dy) { return Ops.neg(dy); }
    },
    MUL {
        Tensor forward(Tensor a, Tensor b) { return Ops.mul(a, b); }

        Tensor gradA(Tensor a, Tensor b, Tensor y, Tensor dy) { return Ops.mul(dy, b); }

        Tensor gradB(Tensor a, Tensor b, Tensor y, Tensor dy) { return Ops.mul(dy, a); }
    },
    /** d(a/b)/da = 1/b; d(a/b)/db = -a/b^2 = -y/b. */
    DIV {
        Tensor forward(Tensor a, Tensor b) { return Ops.div(a, b); }

        Tensor gradA(Tensor a, Tensor b, Tensor y, Tensor dy) { return Ops.div(dy, b); }

        Tensor gradB(Tensor a, Tensor b, Tensor y, Tensor dy) { return Ops.neg(Ops.div(Ops.mul(dy, y), b)); }
    };

    abstract Tensor forward(Tensor a, Tensor b);

    abstract Tensor gradA(Tensor a, Tensor b, Tensor y, Tensor dy);

    abstract Tensor gradB(Tensor a, Tensor b, Tensor y, Tensor dy);

    @Override
    public String opName() { return name().toLowerCase(); }

    /** y = a op b (broadcast), recorded. */
    public Tensor apply(Tensor a, Tensor b) {
        Tape.Recording rec = Tape.track(this, a, b);
        Tensor y = forward(a, b);
        return rec.record(y, dy -> new Tensor[] {
                rec.needs(0) ? Ops.sumTo(gradA(a, b, y, dy), a.shape()) : null,
                rec.needs(1) ? Ops.sumTo(gradB(a, b, y, dy), b.shape()) : null});
    }
}
