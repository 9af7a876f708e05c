package dev.hone.autograd.optim;

import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Stochastic gradient descent with optional momentum and L2 weight decay, as torch.optim.SGD
 * (dampening 0, no Nesterov): g' = g + wd p; b = momentum b + g' (b = g' on the first step); p -= lr b.
 * Momentum buffers are allocated when the optimizer is made, in the scope current then; the
 * temporaries of a step live in a scope closed before {@link #step} returns.
 */
public final class SGD {
    private record Slot(Parameter parameter, Tensor buffer) { }

    private final double momentum;
    private final double weightDecay;
    private final List<Slot> slots = new ArrayList<>();
    private boolean started;

    public SGD(List<Parameter> parameters, double momentum, double weightDecay) {
        if (momentum < 0 || weightDecay < 0) throw new IllegalArgumentException("SGD: momentum " + momentum + " and weight decay " + weightDecay + " must be >= 0");
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        for (Parameter p : parameters) {
            if (!p.trainable()) continue;
            slots.add(new Slot(p, momentum == 0 ? null : p.value().emptyLike()));
        }
    }

    public void step(double lr) {
        Scope scope = Scope.open();
        try {
            for (Slot s : slots) {
                Parameter p = s.parameter();
                if (p.grad() == null) continue;
                Tensor value = p.value();
                Tensor g = weightDecay == 0 ? p.grad() : Ops.add(p.grad(), Ops.mul(value, weightDecay));
                Tensor direction = g;
                if (s.buffer() != null) {
                    Tensor next = started ? Ops.add(Ops.mul(s.buffer(), momentum), g) : g;
                    Ops.copyInto(next, s.buffer());
                    direction = s.buffer();
                }
                Ops.addInPlace(value, Ops.mul(direction, -lr));
            }
            started = true;
        } finally {
            scope.close();
        }
    }
}
