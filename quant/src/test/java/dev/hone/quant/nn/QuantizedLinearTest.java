package dev.hone.quant.nn;

import dev.hone.autograd.Diff;
import dev.hone.autograd.Tape;
import dev.hone.autograd.nn.Linear;
import dev.hone.autograd.nn.Parameter;
import dev.hone.cpu.CpuBackend;
import dev.hone.quant.AbsmaxEncoding;
import dev.hone.quant.QuantFormat;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.QuantizedTensor;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.reference.ReferenceBackend;
import dev.hone.tensor.spi.RandomKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A quantized linear layer against a dense {@link Linear} holding its dequantized weight: same forward,
 * same input gradient, and no gradient anywhere on the quantized side. Shapes cover the fused CPU
 * kernel (in-features a multiple of the block size) and the dequantize-then-matmul path (in = 172 with
 * blocks of 64, stories260K's down projection, whose blocks straddle rows).
 */
class QuantizedLinearTest {
    private static CpuBackend cpu;

    @BeforeAll
    static void open() { cpu = new CpuBackend(2); }

    @AfterAll
    static void close() { cpu.close(); }

    static Linear denseLayer(int in, int out, Linear.Bias bias, long seed) { return new Linear(in, out, bias, DType.F32, seed); }

    static void assertClose(Tensor actual, Tensor expected, double tolerance) {
        assertThat(actual.shape()).isEqualTo(expected.shape());
        float[] a = actual.toFloatArray(), e = expected.toFloatArray();
        for (int i = 0; i < a.length; i++) {
            assertThat((double) Math.abs(a[i] - e[i])).as("element %d: %s vs %s", i, a[i], e[i]).isLessThanOrEqualTo(tolerance * Math.max(1, Math.abs(e[i])));
        }
    }

    @ParameterizedTest(name = "in {0}, out {1}, {2}, {3}")
    @CsvSource({"128, 48, NF4, DOUBLE_QUANT", "172, 64, NF4, DOUBLE_QUANT", "256, 40, FP4, FLOAT32", "64, 172, NF4, DOUBLE_QUANT"})
    void forwardAndInputGradientEqualTheDenseLayerOnTheDequantizedWeight(int in, int out, QuantFormat format, AbsmaxEncoding absmax) {
        try (Scope _ = Scope.open(cpu)) {
            QuantizedLinear quantized = QuantizedLinear.quantize(denseLayer(in, out, Linear.Bias.WITH_BIAS, 11), new QuantSpec(format, 64, absmax));
            Linear dense = quantized.dequantize(DType.F32);
            Tensor x = Ops.random(RandomKind.UNIFORM, 12, -1, 1, DType.F32, 2, 3, in);
            Tensor dy = Ops.random(RandomKind.UNIFORM, 13, -1, 1, DType.F32, 2, 3, out);

            Tensor xq = x.copy();
            Tensor dxQuantized;
            try (Tape tape = Tape.open()) {
                tape.watch(xq);
                Tensor y = quantized.forward(xq);
                assertClose(y, Tape.withoutRecording(() -> dense.forward(x)), 1e-5);
                tape.backward(y, dy);
                dxQuantized = tape.gradient(xq).orElseThrow();
            }
            Tensor xd = x.copy();
            Tensor dxDense;
            try (Tape tape = Tape.open()) {
                tape.watch(xd);
                tape.backward(dense.forward(xd), dy);
                dxDense = tape.gradient(xd).orElseThrow();
            }
            assertClose(dxQuantized, dxDense, 1e-5);
            assertThat(quantized.parameters()).as("the quantized layer's only parameter is its frozen bias").hasSize(1)
                    .allSatisfy(p -> {
                        assertThat(p.trainable()).isFalse();
                        assertThat(p.grad()).as("gradient buffer of %s", p).isNull();
                    });
        }
    }

    @Test
    void theFusedKernelAndTheDequantizeFallbackAgree() {
        try (ReferenceBackend reference = new ReferenceBackend(); Scope _ = Scope.open(cpu)) {
            QuantizedLinear layer = QuantizedLinear.quantize(denseLayer(256, 48, Linear.Bias.NO_BIAS, 61), QuantSpec.qlora());
            assertThat(cpu.fourBit().orElseThrow().supports(DType.F32, 48, 256, 64)).isTrue();
            assertThat(reference.fourBit()).isEmpty();
            Tensor x = Ops.random(RandomKind.UNIFORM, 62, -1, 1, DType.F32, 3, 256);
            Tensor fused = layer.forward(x);
            try (Scope _ = Scope.open(reference)) {
                Tensor fallback = layer.forward(Tensor.wrap(x.storage(), x.layout(), reference)); // same memory, no 4-bit kernel
                assertThat(fallback.backend()).isSameAs(reference);
                assertClose(fused, fallback, 1e-5);
            }
        }
    }

    @Test
    void aTrainableBiasGetsItsGradientAndTheWeightStillNone() {
        try (Scope _ = Scope.open(cpu)) {
            Linear source = denseLayer(64, 8, Linear.Bias.WITH_BIAS, 21);
            QuantizedLinear layer = QuantizedLinear.quantize(source, QuantSpec.qlora(), Parameter.Trainability.TRAINABLE, new CodeBookTensors());
            Tensor x = Ops.random(RandomKind.UNIFORM, 22, -1, 1, DType.F32, 5, 64);
            try (Tape tape = Tape.open()) {
                tape.backward(Diff.sum(layer.forward(x)));
            }
            // d(sum y)/db = number of rows, for every output feature
            assertThat(layer.bias().grad().toFloatArray()).containsOnly(5f);
            assertThat(layer.trainableParameters()).containsExactly(layer.bias());
        }
    }

    @Test
    void residentWeightRecoversBitsandbytesAbsmaxAndRoundTripsToTheQuantizedTensor() {
        try (Scope _ = Scope.open(cpu)) {
            Linear source = denseLayer(172, 128, Linear.Bias.NO_BIAS, 31);   // 344 blocks: two nested groups of 256
            QuantizedTensor q = QuantizedTensor.quantize(source.weight().value(), QuantSpec.qlora());
            QuantizedLinear layer = new QuantizedLinear(q, null);
            assertThat(layer.weight().packed().absmax().toFloatArray()).as("recovered double-quantized absmax, bit for bit")
                    .containsExactly(q.blockAbsmax());
            assertThat(layer.quantizedWeight()).isEqualTo(q);
            assertThat(layer.dequantize(DType.F32).weight().value().toFloatArray()).containsExactly(q.dequantize());
            assertThat(layer.weight().dataBytes()).isEqualTo(q.byteSize() - 16 * 4 - 256 * 4);
            assertThat(8.0 * layer.weight().dataBytes() / q.numel()).isEqualTo(q.bitsPerParameter());
        }
    }

    @Test
    void forwardFreesItsTemporariesAndBf16ActivationsStayBf16() {
        try (Scope scope = Scope.open(cpu)) {
            QuantizedLinear layer = QuantizedLinear.quantize(denseLayer(128, 32, Linear.Bias.NO_BIAS, 41), QuantSpec.qlora());
            Tensor x = Ops.random(RandomKind.UNIFORM, 42, -1, 1, DType.F32, 4, 128);
            Tensor xb = x.to(DType.BF16);
            int owned = scope.ownedCount();
            Tensor y = layer.forward(x);
            assertThat(scope.ownedCount()).as("only the output survives the forward pass (recovered absmax freed)").isEqualTo(owned + 1);
            Tensor yb = layer.forward(xb);
            assertThat(yb.dtype()).isEqualTo(DType.BF16);
            assertClose(yb.to(DType.F32), y, 2e-2);
        }
    }

    @Test
    void int8AndMismatchedInputsAreRejectedWithTheShapes() {
        try (Scope _ = Scope.open(cpu)) {
            Linear dense = denseLayer(64, 8, Linear.Bias.NO_BIAS, 51);
            assertThatThrownBy(() -> QuantizedLinear.quantize(dense, QuantSpec.int8())).hasMessageContaining("only NF4 and FP4");
            QuantizedLinear layer = QuantizedLinear.quantize(dense, QuantSpec.qlora());
            assertThatThrownBy(() -> layer.forward(Tensor.zeros(DType.F32, 2, 63)))
                    .hasMessageContaining("frozen_quant_matmul").hasMessageContaining("[2, 63]").hasMessageContaining("[8, 64]");
        }
    }
}
