package dev.hone.quant.nn;

import dev.hone.autograd.nn.Linear;
import dev.hone.autograd.nn.LinearLayer;
import dev.hone.autograd.nn.Module;
import dev.hone.autograd.nn.ModuleList;
import dev.hone.autograd.nn.Parameter;
import dev.hone.cpu.CpuBackend;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.QuantizedTensor;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.RandomKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Quantizing a stories260K-shaped model (dim 64, hidden 172, 5 layers, 8 heads, 4 KV heads: q/o
 * [64, 64], k/v [32, 64], gate/up [172, 64], down [64, 172], lm_head [512, 64]) with the QLoRA recipe:
 * which layers are replaced, the bytes before and after, and that the replaced layers compute what the
 * dequantized weights compute.
 */
class ModelQuantizerTest {
    private static final int DIM = 64, HIDDEN = 172, LAYERS = 5, KV_DIM = 32, VOCAB = 512;
    private static CpuBackend cpu;

    @BeforeAll
    static void open() { cpu = new CpuBackend(2); }

    @AfterAll
    static void close() { cpu.close(); }

    /** The seven projections of one decoder layer, named as in Hugging Face's Llama. */
    static final class Projections extends Module {
        Projections(long seed) {
            register("q_proj", new Linear(DIM, DIM, Linear.Bias.NO_BIAS, DType.F32, seed));
            register("k_proj", new Linear(DIM, KV_DIM, Linear.Bias.NO_BIAS, DType.F32, seed + 2));
            register("v_proj", new Linear(DIM, KV_DIM, Linear.Bias.NO_BIAS, DType.F32, seed + 4));
            register("o_proj", new Linear(DIM, DIM, Linear.Bias.NO_BIAS, DType.F32, seed + 6));
            register("gate_proj", new Linear(DIM, HIDDEN, Linear.Bias.NO_BIAS, DType.F32, seed + 8));
            register("up_proj", new Linear(DIM, HIDDEN, Linear.Bias.NO_BIAS, DType.F32, seed + 10));
            register("down_proj", new Linear(HIDDEN, DIM, Linear.Bias.NO_BIAS, DType.F32, seed + 12));
        }
    }

    enum Head { LM_HEAD, NONE }

    static final class Stack extends Module {
        Stack(Head head) {
            List<Projections> layers = new ArrayList<>();
            for (int i = 0; i < LAYERS; i++) layers.add(new Projections(100L * i));
            register("layers", new ModuleList<>(layers));
            if (head == Head.LM_HEAD) register("lm_head", new Linear(DIM, VOCAB, Linear.Bias.NO_BIAS, DType.F32, 999));
        }
    }

    @Test
    void nf4WeightsOfAStories260KShapedStackTakeAtMost0135OfF32() {
        try (Scope _ = Scope.open(cpu)) {
            Stack stack = new Stack(Head.NONE);
            long f32Bytes = 4L * LAYERS * (2 * DIM * DIM + 2 * KV_DIM * DIM + 3 * DIM * HIDDEN);
            assertThat(ModelQuantizer.weightBytes(stack)).isEqualTo(f32Bytes);
            QuantizationReport report = ModelQuantizer.quantizeLinears(stack, QuantSpec.qlora());
            assertThat(report.quantized()).hasSize(7 * LAYERS);
            assertThat(report.bytesBefore()).isEqualTo(f32Bytes);
            assertThat(report.ratio()).as(report.summary()).isLessThanOrEqualTo(0.135);
            System.out.println(report.summary());
        }
    }

    @Test
    void theOutputHeadStaysDenseByDefaultAndQuantizedLayersComputeTheDequantizedProduct() {
        try (Scope _ = Scope.open(cpu)) {
            Stack stack = new Stack(Head.LM_HEAD);
            Linear originalDown = (Linear) stack.module("layers.2.down_proj");
            QuantizationReport report = ModelQuantizer.quantizeLinears(stack, QuantSpec.qlora());
            assertThat(report.keptDense()).containsExactly("lm_head");
            assertThat(stack.module("lm_head")).isInstanceOf(Linear.class);
            assertThat(stack.module("layers.4.k_proj")).isInstanceOf(QuantizedLinear.class);

            QuantizedLinear down = (QuantizedLinear) stack.module("layers.2.down_proj");
            QuantizedTensor expected = QuantizedTensor.quantize(originalDown.weight().value(), QuantSpec.qlora());
            assertThat(down.quantizedWeight()).isEqualTo(expected);
            Tensor x = Ops.random(RandomKind.UNIFORM, 7, -1, 1, DType.F32, 3, HIDDEN);
            Tensor y = ((LinearLayer) down).forward(x);
            Tensor reference = Ops.matmul(x, Tensor.of(expected.dequantize(), DIM, HIDDEN).mT());
            float[] a = y.toFloatArray(), e = reference.toFloatArray();
            for (int i = 0; i < a.length; i++) assertThat((double) a[i]).isCloseTo(e[i], org.assertj.core.data.Offset.offset(1e-5));

            assertThat(ModelQuantizer.quantizedWeights(stack)).hasSize(7 * LAYERS).containsKey("layers.2.down_proj.weight")
                    .doesNotContainKey("lm_head.weight");
        }
    }

    /** A stack whose extra parameter "embed" shares the storage of layers.0.q_proj's weight (a tied weight). */
    static final class TiedStack extends Module {
        TiedStack() {
            Stack stack = register("stack", new Stack(Head.LM_HEAD));
            register(new Parameter("embed", ((Linear) stack.module("layers.0.q_proj")).weight().value()));
        }
    }

    /**
     * With {@code RELEASE} the replaced dense weights give their memory back at once (the scope that made
     * them is enclosing, not current), while a layer kept dense and a weight tied to a remaining parameter
     * stay usable.
     */
    @Test
    void releasingFreesReplacedWeightsButNotTiedOrKeptOnes() {
        try (Scope _ = Scope.open(cpu)) {
            TiedStack model = new TiedStack();
            Tensor down = ((Linear) model.module("stack.layers.2.down_proj")).weight().value();
            Tensor head = ((Linear) model.module("stack.lm_head")).weight().value();
            Tensor tied = ((Linear) model.module("stack.layers.0.q_proj")).weight().value();
            try (Scope inner = Scope.open()) {
                QuantizationReport report = ModelQuantizer.quantizeLinears(model, QuantSpec.qlora(), ModelQuantizer.DenseWeights.RELEASE);
                assertThat(report.quantized()).contains("stack.layers.0.q_proj", "stack.layers.2.down_proj");
            }
            assertThat(down.storage().isReleased()).as("replaced down_proj weight").isTrue();
            assertThat(head.storage().isReleased()).as("lm_head stays dense").isFalse();
            assertThat(tied.storage().isReleased()).as("q_proj weight tied to 'embed'").isFalse();
            assertThat(tied.toFloatArray()).hasSize(DIM * DIM);
        }
    }
}
