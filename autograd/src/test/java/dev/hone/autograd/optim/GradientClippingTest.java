package dev.hone.autograd.optim;

import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Global-norm clipping: the returned pre-clip norm, the scaling, the no-op below the bound, and NaN detection. */
class GradientClippingTest {

    private static Map<String, Parameter> withGradients(float[] a, float[] b) {
        Map<String, Parameter> named = new LinkedHashMap<>();
        Parameter pa = new Parameter("weight", Tensor.zeros(dev.hone.tensor.DType.F32, a.length));
        Parameter pb = new Parameter("bias", Tensor.zeros(dev.hone.tensor.DType.F32, b.length));
        pa.accumulateGrad(Tensor.of(a, a.length));
        pb.accumulateGrad(Tensor.of(b, b.length));
        named.put("fc.weight", pa);
        named.put("fc.bias", pb);
        return named;
    }

    @Test
    void scalesGradientsToTheBoundAndReturnsThePreClipNorm() {
        try (Backend backend = Backends.open("reference"); Scope scope = Scope.open(backend)) {
            Map<String, Parameter> named = withGradients(new float[] {3, 0}, new float[] {0, 4}); // norm 5
            double norm = GradientClipping.clipGradNorm(named, 1.0, 7);
            assertThat(norm).isCloseTo(5.0, within(1e-6));
            double scale = 1.0 / (5.0 + 1e-6);
            assertThat(named.get("fc.weight").grad().toDoubleArray()).containsExactly(new double[] {3 * scale, 0}, within(1e-6));
            assertThat(named.get("fc.bias").grad().toDoubleArray()).containsExactly(new double[] {0, 4 * scale}, within(1e-6));
            assertThat(GradientClipping.clipGradNorm(named, 10.0, 8)).isCloseTo(1.0, within(1e-5));
            assertThat(named.get("fc.bias").grad().getDouble(1)).as("below the bound nothing changes").isCloseTo(4 * scale, within(1e-6));
            assertThat(scope.ownedCount()).as("2 values, 2 gradients, 2 gradient sources: clipping keeps nothing").isEqualTo(6);
        }
    }

    @Test
    void nonFiniteNormIsAnErrorNamingStepAndParameter() {
        try (Backend backend = Backends.open("reference"); Scope scope = Scope.open(backend)) {
            Map<String, Parameter> named = withGradients(new float[] {1, 2}, new float[] {Float.NaN, 0});
            assertThatThrownBy(() -> GradientClipping.clipGradNorm(named, 1.0, 42))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("step 42").hasMessageContaining("NaN").hasMessageContaining("fc.bias");
            assertThat(scope.ownedCount()).as("2 values, 2 gradients, 2 gradient sources: clipping keeps nothing").isEqualTo(6);
        }
    }
}
