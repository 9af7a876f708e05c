package dev.hone.transformer.qlora;

import dev.hone.lora.LoraConfig;
import dev.hone.lora.LoraModel;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.nn.ModelQuantizer;
import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.checkpoint.Llama2cCheckpoint;
import dev.hone.transformer.model.LlamaModel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PEFT's trainable-parameter line counts a 4-bit base by the weights it holds, so QLoRA and LoRA on the same
 * model print the same "all params": stories260K has 260,032 parameters (embedding 32,768, norms 704, 35
 * projections 226,560) and LoRA r=8 on every projection adds 46,240.
 */
class QloraParameterCountTest {

    @Test
    void quantizedBaseIsCountedByItsWeights() {
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            LoraConfig config = LoraConfig.builder().r(8).loraAlpha(16).allLinear().build();
            LlamaModel dense = Llama2cCheckpoint.load(SharedFiles.stories260K(), DType.F32);
            LlamaModel quantized = Llama2cCheckpoint.load(SharedFiles.stories260K(), DType.F32);
            ModelQuantizer.quantizeLinears(quantized, QuantSpec.qlora());
            String expected = "trainable params: 46,240 || all params: 306,272 || trainable%: 15.0977";
            assertThat(LoraModel.apply(dense, config, 1).trainableParametersLine()).isEqualTo(expected);
            assertThat(LoraModel.apply(quantized, config, 1).trainableParametersLine()).isEqualTo(expected);
        }
    }
}
