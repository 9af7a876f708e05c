package dev.hone.transformer.sft;

import dev.hone.lora.LoraConfig;
import dev.hone.lora.LoraModel;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.nn.ModelQuantizer;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.tensor.spi.RandomKind;
import dev.hone.tensor.testkit.SimulatedDeviceBackend;
import dev.hone.transformer.checkpoint.HfCheckpoint;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.TokenBatch;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code hone merge}'s export: LoRA on only some linears of an NF4 stories260K (so quantized layers appear both
 * wrapped and unwrapped) merged into a Hugging Face folder. Loaded back as a plain dense model it computes the
 * adapted 4-bit model's logits (up to float rounding), and the folder carries a tokenizer. Run on the CPU and on a
 * simulated accelerator (every tensor off the host: the merge reads device weights, the reload uploads them).
 */
class MergedExportTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cpu", "simulated device"})
    void mergedFolderOfAQuantizedBaseComputesTheAdaptedModel(String where, @TempDir Path dir) throws Exception {
        try (Backend cpu = Backends.open("cpu");
             Scope scope = Scope.open(where.equals("cpu") ? cpu : new SimulatedDeviceBackend(cpu))) {
            LlamaModel model = SftFixtures.stories260K();
            ModelQuantizer.quantizeLinears(model, QuantSpec.qlora());
            LoraModel lora = LoraModel.apply(model, LoraConfig.builder().r(4).loraAlpha(8).targetModules("q_proj", "down_proj").build(), 3);
            lora.layers().values().forEach(l -> Ops.copyInto(
                    Ops.random(RandomKind.NORMAL, 9, 0, 0.05, DType.F32, l.loraB("default").value().shape().dims()), l.loraB("default").value()));
            int[] ids = SftFixtures.tok512().encode("Once upon a time, there was a shop.", true);
            float[] adapted = model.logits(TokenBatch.single(ids, 0)).toFloatArray();

            Path out = dir.resolve("merged");
            MergedExport.write(model, lora, DType.F32, out);
            BaseModels.writeTokenizer(SftFixtures.shared().resolve("models/stories260K/stories260K.bin"), Optional.empty(), 512, out);

            LlamaModel merged = HfCheckpoint.load(out, DType.F32, HfCheckpoint.Residence.COPIED);
            float[] reloaded = merged.logits(TokenBatch.single(ids, 0)).toFloatArray();
            float maxAbs = 0, maxDiff = 0;
            for (int i = 0; i < adapted.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(adapted[i]));
                maxDiff = Math.max(maxDiff, Math.abs(adapted[i] - reloaded[i]));
            }
            assertThat(maxAbs).isGreaterThan(1f);
            assertThat(maxDiff).as("max |logit difference|").isLessThan(1e-3f);
            assertThat(out.resolve("tokenizer.json")).isNotEmptyFile();
            String text = "Once upon a time, Lily wanted to cancel order 113542617735902.";
            assertThat(BaseModels.tokenizer(out, Optional.empty(), 512).encode(text, true)).containsExactly(SftFixtures.tok512().encode(text, true));
        }
    }
}
