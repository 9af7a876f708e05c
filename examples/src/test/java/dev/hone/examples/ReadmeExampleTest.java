package dev.hone.examples;

import dev.hone.autograd.Diff;
import dev.hone.autograd.Tape;
import dev.hone.autograd.nn.Linear;
import dev.hone.autograd.nn.Module;
import dev.hone.autograd.optim.AdamW;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The library example of README.md, verbatim inside the loop, with the loss it reaches asserted. */
class ReadmeExampleTest {

    static class Mlp extends Module {                        // y = fc2(tanh(fc1(x))): [N, 1] -> [N, 64] -> [N, 1]
        final Linear fc1 = register("fc1", new Linear(1, 64, Linear.Bias.WITH_BIAS, DType.F32, 1));
        final Linear fc2 = register("fc2", new Linear(64, 1, Linear.Bias.WITH_BIAS, DType.F32, 2));
        Tensor forward(Tensor x) { return fc2.forward(Diff.tanh(fc1.forward(x))); }
    }

    @Test
    void readmeExampleTrainsTheMlp() {
        double first = Double.NaN, last = Double.NaN;
        try (Backend cpu = Backends.open("cpu"); Scope weights = Scope.open(cpu)) {
            Mlp mlp = new Mlp();
            AdamW adamw = new AdamW(mlp.namedParameters(), AdamW.Config.DEFAULTS);
            Tensor x = Tensor.of(new float[]{-1f, 0f, 1f}, 3, 1), y = Ops.sin(x);
            for (int step = 0; step < 500; step++) {
                try (Scope s = Scope.open(); Tape tape = Tape.open()) {    // temporaries die with the step's scope
                    Tensor loss = Diff.mean(Diff.square(Diff.sub(mlp.forward(x), y)));
                    tape.backward(loss);                                   // gradients land in Parameter.grad
                    adamw.step(1e-2);
                    mlp.zeroGrad();
                    last = loss.item();
                    if (step == 0) first = last;
                }
            }
        }
        assertThat(first).as("initial MSE").isGreaterThan(0.05);
        assertThat(last).as("MSE after 500 steps").isLessThan(1e-4);
    }
}
