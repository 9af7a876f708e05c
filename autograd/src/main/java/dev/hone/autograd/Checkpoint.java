package dev.hone.autograd;

import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;

import java.util.List;
import java.util.function.Function;

/**
 * Activation checkpointing (Chen et al. 2016, "Training deep nets with sublinear memory cost"): runs a
 * function forward without recording and frees its intermediates, keeping only the output; the tape
 * gets one node whose backward recomputes the function under a fresh tape and back-propagates through
 * it. Inputs get their gradients from the recomputation, and parameters the function reads accumulate
 * theirs there, so the result equals backward without checkpointing.
 *
 * <p>The function must be deterministic given its inputs (dropout takes explicit seeds, so it is).
 * Its output must be a new tensor or a view of one made inside it.
 */
public final class Checkpoint {
    private Checkpoint() { }

    /** The checkpoint op as it appears on the tape and in {@link OpCatalogue}. */
    public enum Op implements DiffOp {
        CHECKPOINT;

        @Override
        public String opName() { return "checkpoint"; }
    }

    /** fn(inputs), recorded as one recomputing node when a tape records. */
    public static Tensor run(Function<List<Tensor>, Tensor> fn, Tensor... inputs) {
        Tape.Recording rec = Tape.trackAlways(Op.CHECKPOINT, inputs);
        List<Tensor> arguments = List.of(inputs);
        if (!rec.isActive()) return fn.apply(arguments);
        Tensor y;
        try (Scope forward = Scope.open()) {
            y = forward.keep(Tape.withoutRecording(() -> fn.apply(arguments)));
        }
        return rec.record(y, dy -> recompute(fn, inputs, rec, dy));
    }

    private static Tensor[] recompute(Function<List<Tensor>, Tensor> fn, Tensor[] inputs, Tape.Recording rec, Tensor dy) {
        Tensor[] grads = new Tensor[inputs.length];
        try (Scope scope = Scope.open()) {
            try (Tape tape = Tape.open()) {
                for (int i = 0; i < inputs.length; i++) if (rec.needs(i)) tape.watch(inputs[i]);
                Tensor y = fn.apply(List.of(inputs));
                if (!tape.requiresGrad(y)) return grads;
                tape.backward(y, dy);
                for (int i = 0; i < inputs.length; i++) {
                    if (rec.needs(i)) grads[i] = tape.gradient(inputs[i]).map(scope::keep).orElse(null);
                }
            }
        }
        return grads;
    }
}
