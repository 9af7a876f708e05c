package dev.hone.examples;

import dev.hone.autograd.Diff;
import dev.hone.autograd.Tape;
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
import dev.hone.tensor.spi.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * {@code hone smoke}: trains a 1-64-64-1 tanh MLP to fit sin(x) on [-pi, pi] with AdamW and a cosine
 * schedule, printing the mean squared error as it falls. Proves the engine end to end in seconds.
 */
@Command(name = "smoke", mixinStandardHelpOptions = true, description = "Train a small MLP to fit sin(x) and print its loss falling.")
final class SmokeCommand implements Callable<Integer> {

    @Option(names = "--steps", defaultValue = "800", description = "optimizer steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--backend", defaultValue = "cpu", description = "backend name (default ${DEFAULT-VALUE})")
    String backendName;

    @Option(names = "--seed", defaultValue = "42", description = "initialisation seed")
    long seed;

    /** y = fc3(tanh(fc2(tanh(fc1(x))))): [N, 1] -> [N, 64] -> [N, 64] -> [N, 1]. */
    static final class Mlp extends Module {
        final Linear fc1, fc2, fc3;

        Mlp(long seed) {
            fc1 = register("fc1", new Linear(1, 64, Linear.Bias.WITH_BIAS, DType.F32, seed));
            fc2 = register("fc2", new Linear(64, 64, Linear.Bias.WITH_BIAS, DType.F32, seed + 1));
            fc3 = register("fc3", new Linear(64, 1, Linear.Bias.WITH_BIAS, DType.F32, seed + 2));
        }

        Tensor forward(Tensor x) { return fc3.forward(Diff.tanh(fc2.forward(Diff.tanh(fc1.forward(x))))); }
    }

    @Override
    public Integer call() {
        try (Backend backend = Backends.open(backendName); Scope root = Scope.open(backend)) {
            Mlp model = new Mlp(seed);
            int n = 256;
            float[] xs = new float[n];
            for (int i = 0; i < n; i++) xs[i] = (float) (-Math.PI + 2 * Math.PI * i / (n - 1));
            Tensor x = Tensor.of(xs, n, 1);
            Tensor target = Ops.sin(x);
            AdamW optimizer = new AdamW(model.namedParameters(), AdamW.Config.DEFAULTS.withWeightDecay(0));
            LearningRateSchedule schedule = new LearningRateSchedule.CosineWithWarmup(0.01, steps / 20, steps);
            System.out.printf("hone smoke: fitting sin(x) with a 1-64-64-1 MLP on the '%s' backend, %d steps%n", backend.name(), steps);
            long start = System.nanoTime();
            double first = Double.NaN, last = Double.NaN;
            for (int t = 0; t < steps; t++) {
                try (Scope step = Scope.open(); Tape tape = Tape.open()) {
                    Tensor loss = Diff.mean(Diff.square(Diff.sub(model.forward(x), target)));
                    tape.backward(loss);
                    GradientClipping.clipGradNorm(model.namedParameters(), 1.0, t);
                    optimizer.step(schedule.at(t));
                    model.zeroGrad();
                    last = loss.item();
                }
                if (t == 0) first = last;
                if (t % Math.max(1, steps / 10) == 0 || t == steps - 1) {
                    System.out.printf("  step %4d  mse %.6f  lr %.5f%n", t, last, schedule.at(t));
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("mse %.6f -> %.6f in %.1f s (%s)%n", first, last, seconds, last < first / 10 ? "loss fell" : "loss did NOT fall enough");
            return last < first / 10 ? 0 : 1;
        }
    }
}
