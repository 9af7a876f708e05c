package dev.hone.autograd.nn;

import dev.hone.autograd.Tape;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;

/**
 * A named model weight: its value tensor, whether it is trained, and its accumulated gradient.
 *
 * <p>Invariants: a frozen parameter ({@link Trainability#FROZEN}) never has a gradient buffer; a
 * trainable one gets its buffer on the first backward that reaches it, allocated in the parameter's
 * home scope (the scope open when the parameter was made, which also owns model weights and optimizer
 * state), and later backward passes add into it until {@link #zeroGrad()}. Zeroing is lazy: the buffer is
 * marked as zero, the next backward overwrites it instead of adding, and {@link #grad()} fills it with
 * zeros only if it is read while still marked (one small op per parameter and step saved: a LoRA layer
 * has two). Reading {@link #value()}
 * inside an open tape makes a trainable parameter a leaf of that tape, so forgetting to register a
 * weight is not possible.
 */
public final class Parameter {

    /** Whether the optimizer updates a parameter (and backward computes its gradient). */
    public enum Trainability { TRAINABLE, FROZEN }

    private final String name;
    private final Scope home;
    private Tensor value;
    private Trainability trainability;
    private Tensor grad;
    /** The buffer's contents are stale and stand for zeros (set by {@link #zeroGrad()}). */
    private boolean gradIsZero;

    /** A trainable parameter whose gradient buffer will live in the current scope. */
    public Parameter(String name, Tensor value) { this(name, value, Trainability.TRAINABLE); }

    public Parameter(String name, Tensor value, Trainability trainability) {
        this.name = name;
        this.value = value;
        this.trainability = trainability;
        this.home = Scope.current();
    }

    public String name() { return name; }

    /** The value; inside a recording tape a trainable parameter's value is watched by that tape. */
    public Tensor value() {
        Tape.watchParameter(this, value);
        return value;
    }

    /** Replaces the value (same shape and dtype), e.g. when loading a checkpoint; the caller owns the memory. */
    public void setValue(Tensor newValue) {
        if (!newValue.shape().equals(value.shape()) || newValue.dtype() != value.dtype()) {
            throw new IllegalArgumentException("parameter '" + name + "': new value " + newValue.shape() + " " + newValue.dtype()
                    + " differs from " + value.shape() + " " + value.dtype());
        }
        value = newValue;
    }

    public boolean trainable() { return trainability == Trainability.TRAINABLE; }

    public Trainability trainability() { return trainability; }

    /** Freezing drops the gradient buffer, so a frozen parameter holds no gradient memory. */
    public void setTrainability(Trainability t) {
        trainability = t;
        if (t == Trainability.FROZEN && grad != null) {
            home.free(grad);
            grad = null;
            gradIsZero = false;
        }
    }

    /** The accumulated gradient, or null before the first backward (and always for frozen parameters). */
    public Tensor grad() {
        if (gradIsZero) {
            Ops.fill(grad, 0);
            gradIsZero = false;
        }
        return grad;
    }

    /** Adds {@code g} (this parameter's shape) into the gradient buffer, creating it on first use. */
    public void accumulateGrad(Tensor g) {
        if (!trainable()) throw new IllegalStateException("gradient for frozen parameter '" + name + "'");
        if (!g.shape().equals(value.shape())) {
            throw new IllegalArgumentException("parameter '" + name + "': gradient " + g.shape() + " for value " + value.shape());
        }
        if (grad == null) {
            Tensor fresh = g.dtype() == value.dtype() ? g.copy() : Ops.cast(g, value.dtype());
            grad = Scope.current().transferTo(fresh, home);
        } else {
            Tensor converted = g.dtype() == grad.dtype() ? g : Ops.cast(g, grad.dtype());
            if (gradIsZero) Ops.copyInto(converted, grad);
            else Ops.addInPlace(grad, converted);
            gradIsZero = false;
        }
    }

    /** Sets the gradient to zero, keeping its buffer (no allocation in the next step); see the class notes. */
    public void zeroGrad() {
        if (grad != null) gradIsZero = true;
    }

    @Override
    public String toString() {
        return "Parameter(" + name + ", " + value.shape() + " " + value.dtype() + ", " + trainability.name().toLowerCase() + ")";
    }
}
