package dev.hone.autograd;

import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.CompareOp;
import dev.hone.tensor.spi.UnaryOp;

/**
 * Elementwise functions of one tensor with their derivatives (PyTorch derivatives.yaml / JAX's
 * elementwise JVP rules): each constant names its forward {@link UnaryOp} and computes dx from the
 * input x, the output y and the output gradient dy. Shapes and dtypes of x, y, dx and dy agree.
 */
public enum UnaryFn implements DiffOp {
    NEG(UnaryOp.NEG) {
        Tensor derivative(Tensor x, Tensor y, Tensor dy) { return Ops.neg(dy); }
    },
    EXP(UnaryOp.EXP) {
        Tensor derivative(Tensor x, Tensor y, Tensor dy) { return Ops.mul(dy, y); }
    },
    LOG(UnaryOp.LOG) {
        Tensor derivative(Tensor x, Tensor y, Tensor dy) { return Ops.div(dy, x); }
    },
    /** d sqrt(x) = 1 / (2 sqrt(x)). */
    SQRT(UnaryOp.SQRT) {
        Tensor derivative(Tensor x, Tensor y, Tensor dy) { return Ops.div(Ops.mul(dy, 0.5), y); }
    },
    /** d x^(-1/2) = -x^(-3/2) / 2 = -y^3 / 2. */
    RSQRT(UnaryOp.RSQRT) {
        Tensor derivative(Tensor x, Tensor y, Tensor dy) { return Ops.mul(Ops.mul(dy, Ops.mul(Ops.square(y), y)), -0.5); }
    },
    TANH(UnaryOp.TANH) {
        Tensor derivative(Tensor x, Tensor y, Tensor dy) { return Ops.mul(dy, Ops.add(Ops.neg(Ops.square(y)), 1.0)); }
    },
    SIGMOID(UnaryOp.SIGMOID) {
        Tensor derivative(Tensor x, Tensor y, Tensor dy) { return Ops.mul(dy, Ops.mul(y, Ops.add(Ops.neg(y), 1.0))); }
    },
    /** silu(x) = x s(x); derivative s(x) (1 + x (1 - s(x))). */
    SILU(UnaryOp.SILU) {
        Tensor derivative(Tensor x, Tensor y, Tensor dy) {
            Tensor s = Ops.sigmoid(x);
            Tensor oneMinusS = Ops.add(Ops.neg(s), 1.0);
            return Ops.mul(dy, Ops.mul(s, Ops.add(Ops.mul(x, oneMinusS), 1.0)));
        }
    },
    RELU(UnaryOp.RELU) {
        Tensor derivative(Tensor x, Tensor y, Tensor dy) {
            Tensor positive = Ops.cast(Ops.compare(CompareOp.GT, x, Ops.mul(x, 0.0)), x.dtype());
            return Ops.mul(dy, positive);
        }
    },
    /**
     * gelu(x) = x/2 (1 + tanh(u)), u = c (x + 0.044715 x^3), c = sqrt(2/pi) (Hendrycks and Gimpel's
     * tanh approximation); derivative (1 + t)/2 + x/2 (1 - t^2) c (1 + 3 * 0.044715 x^2), one fused
     * pass ({@link dev.hone.tensor.spi.FusedOps#geluTanhBackward}).
     */
    GELU_TANH(UnaryOp.GELU_TANH) {
        Tensor derivative(Tensor x, Tensor y, Tensor dy) {
            Tensor dx = Tensor.empty(x.dtype(), x.shape());
            Ops.fused(x).geluTanhBackward(x, dy, dx);
            return dx;
        }
    },
    SQUARE(UnaryOp.SQUARE) {
        Tensor derivative(Tensor x, Tensor y, Tensor dy) { return Ops.mul(Ops.mul(dy, x), 2.0); }
    },
    /** Subgradient 0 at x = 0, as PyTorch's sign(x). */
    ABS(UnaryOp.ABS) {
        Tensor derivative(Tensor x, Tensor y, Tensor dy) {
            Tensor zero = Ops.mul(x, 0.0);
            Tensor positive = Ops.cast(Ops.compare(CompareOp.GT, x, zero), x.dtype());
            Tensor negative = Ops.cast(Ops.compare(CompareOp.LT, x, zero), x.dtype());
            return Ops.mul(dy, Ops.sub(positive, negative));
        }
    };

    private final UnaryOp forward;

    UnaryFn(UnaryOp forward) { this.forward = forward; }

    abstract Tensor derivative(Tensor x, Tensor y, Tensor dy);

    @Override
    public String opName() { return name().toLowerCase(); }

    /** y = f(x), recorded with this constant's derivative. */
    public Tensor apply(Tensor x) {
        Tape.Recording rec = Tape.track(this, x);
        Tensor y = Ops.unary(forward, x);
        return rec.record(y, dy -> new Tensor[] {derivative(x, y, dy)});
    }
}
