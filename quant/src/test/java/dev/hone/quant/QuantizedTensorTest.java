package dev.hone.quant;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Round-trip error, storage size and input validation of {@link QuantizedTensor}.
 *
 * <p>Error bounds are bitsandbytes' own (tests/test_functional.py, TestQuantize4BitFunctional): on
 * N(0,1) [1024, 1024] at blocksize 64, test_4bit_quant asserts mean |err| < 0.072792 + 1e-3 and mean
 * relative error < 0.203299 + 1e-3 for NF4, < 0.096545 + 1e-3 and < 0.260130 + 1e-3 for FP4;
 * test_4bit_compressed_stats asserts < 0.11 and < 0.28 with double quantization.
 */
class QuantizedTensorTest {
    private static final Shape MEGA = Shape.of(1024, 1024);

    record Errors(double meanAbs, double rms, double meanRelative) { }

    static Errors errors(float[] original, float[] restored) {
        double abs = 0, sq = 0, rel = 0;
        for (int i = 0; i < original.length; i++) {
            double e = Math.abs((double) original[i] - restored[i]);
            abs += e;
            sq += e * e;
            rel += e / (Math.abs(original[i]) + 1e-8);
        }
        int n = original.length;
        return new Errors(abs / n, Math.sqrt(sq / n), rel / n);
    }

    static float[] gaussian(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rng.nextGaussian();
        return a;
    }

    @Test
    void nf4RoundTripOnGaussianWeightsIsWithinBitsandbytesBounds() {
        float[] w = gaussian(1 << 20, 1);
        Errors plain = errors(w, QuantizedTensor.quantize(w, MEGA, QuantSpec.of(QuantFormat.NF4)).dequantize());
        Errors dq = errors(w, QuantizedTensor.quantize(w, MEGA, QuantSpec.qlora()).dequantize());
        System.out.printf("NF4/64 round trip: mean|err| %.6f rms %.6f rel %.6f; with double quant %.6f %.6f %.6f%n",
                plain.meanAbs(), plain.rms(), plain.meanRelative(), dq.meanAbs(), dq.rms(), dq.meanRelative());
        assertThat(plain.meanAbs()).isLessThan(0.072792 + 1e-3);
        assertThat(plain.meanRelative()).isLessThan(0.203299 + 1e-3);
        assertThat(dq.meanAbs()).isLessThan(0.11);
        assertThat(dq.meanRelative()).isLessThan(0.28);
        assertThat(dq.meanAbs()).as("double quant costs little").isLessThan(plain.meanAbs() * 1.01);
    }

    @Test
    void fp4RoundTripOnGaussianWeightsIsWithinBitsandbytesBounds() {
        float[] w = gaussian(1 << 20, 2);
        Errors plain = errors(w, QuantizedTensor.quantize(w, MEGA, QuantSpec.of(QuantFormat.FP4)).dequantize());
        Errors dq = errors(w, QuantizedTensor.quantize(w, MEGA, new QuantSpec(QuantFormat.FP4, 64, AbsmaxEncoding.DOUBLE_QUANT)).dequantize());
        System.out.printf("FP4/64 round trip: mean|err| %.6f rms %.6f rel %.6f; with double quant %.6f %.6f %.6f%n",
                plain.meanAbs(), plain.rms(), plain.meanRelative(), dq.meanAbs(), dq.rms(), dq.meanRelative());
        assertThat(plain.meanAbs()).isLessThan(0.096545 + 1e-3);
        assertThat(plain.meanRelative()).isLessThan(0.260130 + 1e-3);
        assertThat(dq.meanAbs()).isLessThan(0.11);
        assertThat(dq.meanRelative()).isLessThan(0.28);
    }

    @Test
    void int8RowwiseRoundTripIsWithinHalfAStepPerRow() {
        float[] w = gaussian(64 * 256, 3);
        QuantizedTensor q = QuantizedTensor.quantize(w, Shape.of(64, 256), QuantSpec.int8());
        float[] back = q.dequantize();
        float[] rowMax = q.blockAbsmax();
        for (int i = 0; i < w.length; i++) assertThat(Math.abs(w[i] - back[i])).isLessThanOrEqualTo(rowMax[i / 256] / 127f * 0.5001f);
        assertThat(q.bitsPerParameter()).isCloseTo(8 + 32.0 / 256, within(1e-9));
    }

    @Test
    void doubleQuantizedNf4StoresFourPoint127BitsPerParameter() {
        float[] w = gaussian(1 << 20, 4);
        QuantizedTensor dq = QuantizedTensor.quantize(w, MEGA, QuantSpec.qlora());
        QuantizedTensor plain = QuantizedTensor.quantize(w, MEGA, QuantSpec.of(QuantFormat.NF4));
        assertThat(dq.bitsPerParameter()).isCloseTo(4.127, within(0.001));
        assertThat(plain.bitsPerParameter()).isCloseTo(4.5, within(1e-9));
        assertThat(dq.byteSize()).isEqualTo((1 << 19) + (1 << 14) + 64 * 4 + 4 + 16 * 4 + 256 * 4);
    }

    @Test
    void lastPartialBlockHasItsOwnAbsmaxAndOddCountsArePadded() {
        float[] w = gaussian(101, 5);
        w[100] = 7f;
        QuantizedTensor q = QuantizedTensor.quantize(w, Shape.of(101), QuantSpec.of(QuantFormat.NF4));
        assertThat(q.blockAbsmax()).hasSize(2);
        assertThat(q.blockAbsmax()[1]).isEqualTo(7f);
        assertThat(q.dataCopy()).hasSize(51);
        assertThat(q.dataCopy()[50] & 0xf).as("pad nibble is the code of 0.0").isEqualTo(7);
        assertThat(q.dequantize()[100]).isEqualTo(7f);
    }

    @Test
    void quantizesTensorsAndKeepsTheOriginalDtype() {
        try (ReferenceBackend backend = new ReferenceBackend(); Scope _ = Scope.open(backend)) {
            float[] w = gaussian(4 * 64, 6);
            Tensor bf16 = Tensor.of(w, 4, 64).to(DType.BF16);
            QuantizedTensor q = QuantizedTensor.quantize(bf16, QuantSpec.qlora());
            assertThat(q.originalDType()).isEqualTo(DType.BF16);
            assertThat(q.shape()).isEqualTo(Shape.of(4, 64));
            assertThat(QuantizedTensor.quantize(bf16.toFloatArray(), Shape.of(4, 64), QuantSpec.qlora()).dataCopy()).containsExactly(q.dataCopy());
            Tensor back = q.dequantizeTensor(DType.BF16);
            assertThat(back.dtype()).isEqualTo(DType.BF16);
            assertThat(back.shape()).isEqualTo(Shape.of(4, 64));
            assertThat(q.dequantizeTensor().toFloatArray()).containsExactly(q.dequantize());
        }
    }

    @Test
    void rejectsBadBlocksizesAndSpecs() {
        float[] w = new float[256];
        for (int bad : new int[] {48, 16, 8192, 0, -64}) {
            assertThatThrownBy(() -> QuantizedTensor.quantize(w, Shape.of(256), new QuantSpec(QuantFormat.NF4, bad, AbsmaxEncoding.FLOAT32)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blocksize " + bad).hasMessageContaining("power of two in 32..4096");
        }
        assertThatThrownBy(() -> new QuantSpec(QuantFormat.INT8, 0, AbsmaxEncoding.DOUBLE_QUANT)).hasMessageContaining("4-bit formats only");
        assertThatThrownBy(() -> QuantizedTensor.quantize(w, Shape.of(100), QuantSpec.qlora())).hasMessageContaining("256 values").hasMessageContaining("[100]");
        assertThatThrownBy(() -> QuantizedTensor.quantize(new float[0], Shape.of(0), QuantSpec.qlora())).hasMessageContaining("empty");
    }

    @Test
    void rejectsPartsThatDoNotFitTogether() {
        assertThatThrownBy(() -> new QuantizedTensor("w", QuantFormat.NF4, Shape.of(128), DType.F32, 64, new byte[64], new Absmax.Plain(new float[3])))
                .hasMessageContaining("w:").hasMessageContaining("needs 2 absmax values, got 3");
        assertThatThrownBy(() -> new QuantizedTensor("w", QuantFormat.NF4, Shape.of(128), DType.F32, 64, new byte[63], new Absmax.Plain(new float[2])))
                .hasMessageContaining("needs 64 packed bytes, got 63");
    }
}
