package dev.hone.autograd.nn;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Dotted parameter paths, state-dict export and import, freezing, and the layers' forward values and initialisation. */
class ModuleTest {

    static final class Mlp extends Module {
        Mlp(int dim, long seed) {
            register("up_proj", new Linear(dim, 2 * dim, Linear.Bias.NO_BIAS, DType.F32, seed));
            register("down_proj", new Linear(2 * dim, dim, Linear.Bias.NO_BIAS, DType.F32, seed + 1));
        }
    }

    static final class Layer extends Module {
        Layer(int dim, long seed) {
            register("input_layernorm", new RMSNorm(dim, 1e-5, DType.F32));
            register("mlp", new Mlp(dim, seed));
        }
    }

    static final class Model extends Module {
        Model(int vocab, int dim) {
            register("embed_tokens", new Embedding(vocab, dim, DType.F32, 1));
            register("layers", new ModuleList<>(List.of(new Layer(dim, 10), new Layer(dim, 20))));
        }
    }

    @Test
    void parametersHaveDottedPathsAndStateDictsRoundTrip() {
        try (Backend b = Backends.open("reference"); Scope scope = Scope.open(b)) {
            Model model = new Model(11, 4);
            assertThat(model.namedParameters().keySet()).containsExactly("embed_tokens.weight",
                    "layers.0.input_layernorm.weight", "layers.0.mlp.up_proj.weight", "layers.0.mlp.down_proj.weight",
                    "layers.1.input_layernorm.weight", "layers.1.mlp.up_proj.weight", "layers.1.mlp.down_proj.weight");
            assertThat(model.parameterCount()).isEqualTo(11 * 4 + 2 * (4 + 32 + 32));

            Model other = new Model(11, 4);
            Map<String, Tensor> state = model.stateDict();
            other.loadStateDict(state);
            assertThat(other.stateDict().get("layers.1.mlp.up_proj.weight").toDoubleArray())
                    .containsExactly(state.get("layers.1.mlp.up_proj.weight").toDoubleArray());

            Map<String, Tensor> broken = new LinkedHashMap<>(state);
            broken.remove("layers.0.mlp.up_proj.weight");
            broken.put("lm_head.weight", state.get("embed_tokens.weight"));
            assertThatThrownBy(() -> other.loadStateDict(broken))
                    .hasMessageContaining("missing keys [layers.0.mlp.up_proj.weight]").hasMessageContaining("unexpected keys [lm_head.weight]");

            model.trainable(Parameter.Trainability.FROZEN);
            assertThat(model.trainableParameters()).isEmpty();
            assertThat(scope.ownedCount()).isPositive();
        }
    }

    @Test
    void linearInitialisationIsBoundedLikeTorchAndForwardIsXWTransposePlusB() {
        try (Backend b = Backends.open("reference"); Scope scope = Scope.open(b)) {
            Linear layer = new Linear(16, 3, Linear.Bias.WITH_BIAS, DType.F32, 5);
            assertThat(layer.weight().value().shape().dims()).containsExactly(3, 16);
            for (double w : layer.weight().value().toDoubleArray()) assertThat(Math.abs(w)).isLessThanOrEqualTo(0.25);
            float[] x = new float[16];
            x[2] = 1;
            x[5] = -2;
            double[] y = layer.forward(Tensor.of(x, 1, 16)).toDoubleArray();
            for (int o = 0; o < 3; o++) {
                double expected = layer.weight().value().getDouble(o, 2) - 2 * layer.weight().value().getDouble(o, 5) + layer.bias().value().getDouble(o);
                assertThat(y[o]).isCloseTo(expected, within(1e-6));
            }
            assertThat(scope.ownedCount()).isPositive();
        }
    }

    @Test
    void embeddingLooksUpRowsAndRmsNormNormalises() {
        try (Backend b = Backends.open("reference"); Scope scope = Scope.open(b)) {
            Embedding embedding = new Embedding(5, 3, DType.F32, 9);
            Tensor rows = embedding.forward(Tensor.ofInts(new int[] {4, 0, 4, 2}, 2, 2));
            assertThat(rows.shape().dims()).containsExactly(2, 2, 3);
            assertThat(rows.getDouble(1, 0, 1)).isEqualTo(embedding.weight().value().getDouble(4, 1));

            RMSNorm norm = new RMSNorm(4, 0, DType.F32);
            double[] y = norm.forward(Tensor.of(new float[] {1, -1, 3, -3}, 1, 4)).toDoubleArray();
            double rms = Math.sqrt((1 + 1 + 9 + 9) / 4.0);
            assertThat(y).containsExactly(new double[] {1 / rms, -1 / rms, 3 / rms, -3 / rms}, within(1e-6));
            assertThat(scope.ownedCount()).isPositive();
        }
    }
}
