package dev.hone.quant;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.io.SafetensorsFile;
import dev.hone.tensor.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A quantized checkpoint written to safetensors reads back identical, in bnb's names, dtypes and shapes. */
class BnbSafetensorsTest {

    @Test
    void quantizedAndPlainTensorsRoundTripThroughAFile(@TempDir Path dir) {
        Path file = dir.resolve("model.safetensors");
        QuantizedTensor nf4 = QuantizedTensor.quantize(QuantizedTensorTest.gaussian(96 * 64, 1), Shape.of(96, 64), QuantSpec.qlora());
        QuantizedTensor fp4 = QuantizedTensor.quantize(QuantizedTensorTest.gaussian(33 * 64, 2), Shape.of(33, 64), QuantSpec.of(QuantFormat.FP4));
        QuantizedTensor int8 = QuantizedTensor.quantize(QuantizedTensorTest.gaussian(8 * 64, 3), Shape.of(8, 64), QuantSpec.int8());
        try (ReferenceBackend backend = new ReferenceBackend(); Scope _ = Scope.open(backend)) {
            Tensor norm = Tensor.of(new float[] {1f, 2f, 3f}, 3);
            BnbSafetensors.write(file, Map.of("a.q_proj.weight", nf4, "a.k_proj.weight", fp4, "a.o_proj.weight", int8),
                    Map.of("a.norm.weight", norm), Map.of("format", "pt"));
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                assertThat(f.info("a.q_proj.weight").dtype()).isEqualTo(DType.U8);
                assertThat(f.info("a.q_proj.weight").shape()).isEqualTo(Shape.of(96 * 64 / 2, 1));
                assertThat(f.info("a.q_proj.weight.quant_state.bitsandbytes__nf4").dtype()).isEqualTo(DType.U8);
                assertThat(f.info("a.o_proj.SCB").shape()).isEqualTo(Shape.of(8));
                for (String name : List.of("a.q_proj.weight", "a.k_proj.weight", "a.o_proj.weight")) {
                    assertThat(BnbSafetensors.isQuantized(f, name)).isTrue();
                }
                assertThat(BnbSafetensors.isQuantized(f, "a.norm.weight")).isFalse();
                assertThat(BnbSafetensors.read(f, "a.q_proj.weight")).isEqualTo(nf4);
                assertThat(BnbSafetensors.read(f, "a.k_proj.weight")).isEqualTo(fp4);
                assertThat(BnbSafetensors.read(f, "a.o_proj.weight").dequantize()).containsExactly(int8.dequantize());
                assertThat(f.tensor("a.norm.weight").toFloatArray()).containsExactly(1f, 2f, 3f);
            }
        }
    }
}
