package dev.hone.autograd;

import dev.hone.autograd.nn.Linear;
import dev.hone.autograd.nn.Module;
import dev.hone.autograd.optim.AdamW;
import dev.hone.autograd.optim.GradientClipping;
import dev.hone.autograd.optim.LearningRateSchedule;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End-to-end training: a 1-64-1 tanh MLP fitted to sin on [-pi, pi] with AdamW (cpu backend when
 * available, else reference), and the live-buffer count of the backend's allocator returning to the
 * same baseline after every one of 1,000 steps.
 */
class TrainingTest {

    /** y = fc2(tanh(fc1(x))): [N, 1] -> [N, hidden] -> [N, 1]. */
    static final class Mlp extends Module {
        final Linear fc1;
        final Linear fc2;

        Mlp(int hidden, long seed) {
            fc1 = register("fc1", new Linear(1, hidden, Linear.Bias.WITH_BIAS, DType.F32, seed));
            fc2 = register("fc2", new Linear(hidden, 1, Linear.Bias.WITH_BIAS, DType.F32, seed + 10));
        }

        Tensor forward(Tensor x) { return fc2.forward(Diff.tanh(fc1.forward(x))); }
    }

    private static Tensor grid(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (-Math.PI + 2 * Math.PI * i / (n - 1));
        return Tensor.of(x, n, 1);
    }

    /** One AdamW step on mean squared error; returns the loss before the update. */
    private static double step(Mlp model, AdamW optimizer, Tensor x, Tensor target, double lr, long t) {
        try (Scope s = Scope.open(); Tape tape = Tape.open()) {
            Tensor loss = Diff.mean(Diff.square(Diff.sub(model.forward(x), target)));
            tape.backward(loss);
            GradientClipping.clipGradNorm(model.namedParameters(), 1.0, t);
            optimizer.step(lr);
            model.zeroGrad();
            return loss.item();
        }
    }

    @Test
    void mlpFitsSineWithAdamW() {
        try (Backend backend = TestBackends.fastest(); Scope scope = Scope.open(backend)) {
            Mlp model = new Mlp(64, 2024);
            Tensor x = grid(64);
            Tensor target = Ops.sin(x);
            AdamW optimizer = new AdamW(model.namedParameters(), AdamW.Config.DEFAULTS.withWeightDecay(0));
            LearningRateSchedule schedule = new LearningRateSchedule.CosineWithWarmup(0.02, 20, 600);
            double first = step(model, optimizer, x, target, schedule.at(0), 0);
            double last = first;
            for (long t = 1; t < 600; t++) last = step(model, optimizer, x, target, schedule.at(t), t);
            System.out.printf("%s: sin MLP MSE %.5f -> %.6f after 600 steps%n", backend.name(), first, last);
            assertThat(first).as("initial MSE").isGreaterThan(0.1);
            assertThat(last).as("final MSE").isLessThan(1e-3);
            assertThat(scope.ownedCount()).isPositive();
        }
    }

    @Test
    void liveBuffersReturnToBaselineAfterEachOfAThousandSteps() {
        try (Backend backend = TestBackends.fastest(); Scope scope = Scope.open(backend)) {
            Mlp model = new Mlp(8, 7);
            Tensor x = grid(16);
            Tensor target = Ops.sin(x);
            AdamW optimizer = new AdamW(model.namedParameters(), AdamW.Config.DEFAULTS);
            step(model, optimizer, x, target, 1e-3, 0); // first step allocates the gradient buffers
            long baseline = backend.memoryStats().liveBuffers();
            for (long t = 1; t <= 1000; t++) {
                step(model, optimizer, x, target, 1e-3, t);
                assertThat(backend.memoryStats().liveBuffers()).as("live buffers after step %d", t).isEqualTo(baseline);
            }
            assertThat(scope.ownedCount()).as("model 4 + grads 4 + moments 8 + data 2").isEqualTo(18);
        }
    }
}
