package dev.hone.autograd;

import dev.hone.tensor.Tensor;

/**
 * The gradient rule of one recorded op application: given the gradient of its output, returns one
 * gradient per input, in input order, each with that input's shape (broadcasting already reduced), or
 * null for inputs that need no gradient. Rules compute with {@code dev.hone.tensor.Ops} only, so
 * running them records nothing.
 */
@FunctionalInterface
public interface Backward {
    Tensor[] apply(Tensor outputGradient);
}
