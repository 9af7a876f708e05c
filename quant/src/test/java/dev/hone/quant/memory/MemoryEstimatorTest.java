package dev.hone.quant.memory;

import dev.hone.quant.QuantSpec;
import dev.hone.quant.QuantFormat;
import dev.hone.quant.QuantizedTensor;
import dev.hone.tensor.DType;
import dev.hone.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The estimator on stories260K (dim D 64, hidden F 172, 5 layers, 8 heads, 4 KV heads so kvDim 32,
 * vocab V 512, tied) with QLoRA (NF4, blocks of 64, double-quantized absmax; embedding and norms F32),
 * LoRA rank 8 on q_proj and v_proj in F32, micro-batch 2 x 16 tokens, F32 activations, against
 * numbers worked out by hand below.
 */
class MemoryEstimatorTest {
    private static final MemoryEstimator.BaseFormat QLORA = new MemoryEstimator.BaseFormat.Quantized(QuantSpec.qlora(), DType.F32);
    private static final MemoryEstimator.Adapters ADAPTERS = new MemoryEstimator.Adapters(8, Set.of("q_proj", "v_proj"), DType.F32);

    private static MemoryEstimator.Step step(MemoryEstimator.ActivationCheckpointing c) {
        return new MemoryEstimator.Step(2, 16, DType.F32, c);
    }

    @Test
    void stories260KWithQloraMatchesTheHandComputedBytes() {
        MemoryEstimate e = MemoryEstimator.estimate(DecoderShape.stories260K(), QLORA, ADAPTERS, step(MemoryEstimator.ActivationCheckpointing.OFF));
        // Projections (numel; code bytes = numel/2; blocks = ceil(numel/64); absmax = blocks + 4 per 256 blocks + 4 offset):
        //   q, o [64, 64]: 4096 -> 2048 + (64 + 4 + 4) = 2120 each
        //   k, v [32, 64]: 2048 -> 1024 + (32 + 4 + 4) = 1064 each
        //   gate, up [172, 64], down [64, 172]: 11008 -> 5504 + (172 + 4 + 4) = 5684 each
        //   per layer 2*2120 + 2*1064 + 3*5684 = 23420; 5 layers 117100; code books 16*4 + 256*4 = 1088 -> 118188
        // Dense rest F32: embedding 512*64 = 32768, norms (2*5 + 1)*64 = 704 -> 33472 * 4 = 133888
        assertThat(e.baseWeightBytes()).isEqualTo(118_188 + 133_888);
        // LoRA: q 8*(64 + 64) = 1024, v 8*(64 + 32) = 768 per layer -> 1792 * 5 = 8960 parameters
        assertThat(e.trainableParameters()).isEqualTo(8960);
        assertThat(e.adapterBytes()).isEqualTo(8960 * 4);
        assertThat(e.gradientBytes()).isEqualTo(8960 * 4);
        assertThat(e.optimizerBytes()).isEqualTo(8960 * 8);
        // Activations per token per layer: 6*64 + 2*32 + 3*172 + 8*2 = 980 floats = 3920 bytes, + 4*(2 + 8) = 40 -> 3960
        // head per token: 4*(2*64 + 2*512) + 8 = 4616; 32 tokens: 32*(5*3960 + 4616) = 781312
        assertThat(e.activationBytes()).isEqualTo(781_312);
        assertThat(e.totalBytes()).isEqualTo(252_076 + 35_840 + 35_840 + 71_680 + 781_312);
        assertThat(e.report()).contains("base weights").contains("252,076 bytes").contains("8,960 params").contains("total");
    }

    @Test
    void checkpointingKeepsOnlyLayerInputsPlusOneLayer() {
        MemoryEstimate e = MemoryEstimator.estimate(DecoderShape.stories260K(), QLORA, ADAPTERS,
                step(MemoryEstimator.ActivationCheckpointing.PER_LAYER));
        // 32 tokens * (5 layers * 64 floats * 4 bytes + one layer 3960 + head 4616) = 32 * 9856 = 315392
        assertThat(e.activationBytes()).isEqualTo(315_392);
    }

    @Test
    void denseBaseCountsEveryParameter() {
        MemoryEstimate e = MemoryEstimator.estimate(DecoderShape.stories260K(), new MemoryEstimator.BaseFormat.Dense(DType.BF16), ADAPTERS,
                step(MemoryEstimator.ActivationCheckpointing.OFF));
        // projections 5 * (2*4096 + 2*2048 + 3*11008) = 226560, + 33472 = 260032 parameters, 2 bytes each
        assertThat(DecoderShape.stories260K().parameters()).isEqualTo(260_032);
        assertThat(e.baseWeightBytes()).isEqualTo(520_064);
    }

    @ParameterizedTest(name = "[{0}, {1}] {2}")
    @CsvSource({"64, 172, NF4", "172, 64, FP4", "3, 33, NF4", "256, 4100, NF4"})
    void quantizedBytesEqualWhatQuantizedTensorHolds(int rows, int cols, QuantFormat format) {
        for (QuantSpec spec : new QuantSpec[] {QuantSpec.qlora(), QuantSpec.of(format)}) {
            QuantizedTensor q = QuantizedTensor.quantize(new float[rows * cols], Shape.of(rows, cols), spec);
            assertThat(MemoryEstimator.quantizedBytes(rows, cols, spec) + MemoryEstimator.codeBookBytes(spec)).as(spec.toString())
                    .isEqualTo(q.byteSize());
        }
    }

    @Test
    void unknownAdapterTargetsAreNamed() {
        var bad = new MemoryEstimator.Adapters(8, Set.of("wq"), DType.F32);
        assertThatThrownBy(() -> MemoryEstimator.estimate(DecoderShape.stories260K(), QLORA, bad, step(MemoryEstimator.ActivationCheckpointing.OFF)))
                .hasMessageContaining("'wq'").hasMessageContaining("q_proj");
    }
}
