package dev.hone.autograd.optim;

import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Schedules, AdamW and SGD against float64 values from optimizer_references.py (numpy transcriptions of
 * Hugging Face's schedule lambdas and of torch.optim's documented AdamW and SGD updates), kept next to
 * this test as optimizer_references.txt.
 */
class OptimizerReferenceTest {
    private static final long[] STEPS = {0, 1, 5, 9, 10, 11, 50, 99, 100, 120};
    private static final float[] P0 = {0.5f, -1.25f, 2.0f, 0.125f};
    private static final float[][] GRADS = {{0.1f, -0.2f, 0.3f, 0.0f}, {-0.4f, 0.05f, 0.3f, 1.5f}};

    private static Map<String, double[]> references() throws IOException {
        try (InputStream in = OptimizerReferenceTest.class.getResourceAsStream("optimizer_references.txt")) {
            Map<String, double[]> out = new HashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) continue;
                String[] parts = line.trim().split(" ");
                out.put(parts[0], Arrays.stream(parts, 1, parts.length).mapToDouble(Double::parseDouble).toArray());
            }
            return out;
        }
    }

    private static void assertSchedule(LearningRateSchedule s, double[] expected) {
        for (int i = 0; i < STEPS.length; i++) {
            assertThat(s.at(STEPS[i])).as("%s at step %d", s, STEPS[i]).isCloseTo(expected[i], within(1e-15));
        }
    }

    @Test
    void schedulesMatchHuggingFaceFormulas() throws IOException {
        Map<String, double[]> ref = references();
        assertSchedule(new LearningRateSchedule.LinearWithWarmup(3e-4, 10, 100), ref.get("linear_peak3e-4_warmup10_total100"));
        assertSchedule(new LearningRateSchedule.CosineWithWarmup(3e-4, 10, 100), ref.get("cosine_peak3e-4_warmup10_total100"));
        assertSchedule(new LearningRateSchedule.CosineWithWarmup(1, 0, 7, 1.5), ref.get("cosine_peak1_warmup0_total7_cycles1.5"));
        assertThat(new LearningRateSchedule.Constant(2e-5).at(12345)).isEqualTo(2e-5);
    }

    /** Runs two steps of {@code optimizer} on P0 with GRADS and returns the parameter values. */
    private static double[] twoSteps(java.util.function.Function<Parameter, java.util.function.DoubleConsumer> optimizer, double lr) {
        try (Backend b = Backends.open("reference"); Scope scope = Scope.open(b)) {
            Parameter p = new Parameter("w", Tensor.of(P0.clone(), 4));
            java.util.function.DoubleConsumer step = optimizer.apply(p);
            for (float[] g : GRADS) {
                p.zeroGrad();
                p.accumulateGrad(Tensor.of(g.clone(), 4));
                step.accept(lr);
            }
            assertThat(scope.ownedCount()).isPositive();
            return p.value().toDoubleArray();
        }
    }

    @Test
    void adamwTwoStepTrajectoryMatchesReference() throws IOException {
        double[] expected = references().get("adamw_lr0.01_b0.9_0.999_eps1e-8_wd0.1");
        double[] got = twoSteps(p -> new AdamW(Map.of("w", p), new AdamW.Config(0.9, 0.999, 1e-8, 0.1))::step, 0.01);
        for (int i = 0; i < 4; i++) assertThat(got[i]).as("element %d", i).isCloseTo(expected[i], within(2e-6));
    }

    @Test
    void sgdWithMomentumTwoStepTrajectoryMatchesReference() throws IOException {
        double[] expected = references().get("sgd_lr0.1_momentum0.9_wd0.01");
        double[] got = twoSteps(p -> new SGD(List.of(p), 0.9, 0.01)::step, 0.1);
        for (int i = 0; i < 4; i++) assertThat(got[i]).as("element %d", i).isCloseTo(expected[i], within(2e-6));
    }

    @Test
    void adamwStateRoundTrips() {
        try (Backend b = Backends.open("reference"); Scope scope = Scope.open(b)) {
            Parameter p = new Parameter("w", Tensor.of(P0.clone(), 4));
            AdamW first = new AdamW(Map.of("layer.w", p), AdamW.Config.DEFAULTS);
            p.accumulateGrad(Tensor.of(GRADS[0].clone(), 4));
            first.step(1e-3);
            AdamW restored = new AdamW(Map.of("layer.w", p), AdamW.Config.DEFAULTS);
            restored.loadState(first.state(), first.stepCount());
            assertThat(restored.state().keySet()).containsExactly("layer.w.exp_avg", "layer.w.exp_avg_sq");
            assertThat(restored.state().get("layer.w.exp_avg").toDoubleArray()).containsExactly(first.state().get("layer.w.exp_avg").toDoubleArray());
            assertThat(restored.stepCount()).isEqualTo(1);
            assertThat(scope.ownedCount()).isPositive();
        }
    }
}
