package dev.hone.transformer.sft;

import dev.hone.lora.LoraModel;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.nn.ModelQuantizer;
import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.chat.ChatTemplates;
import dev.hone.transformer.data.SftData;
import dev.hone.transformer.data.SftDataConfig;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.train.checkpoint.CheckpointStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

/**
 * The whole fine-tuning pipeline, short: QLoRA on stories260K over 240 customer-support conversations for 20
 * optimizer steps (micro-batch 2, accumulation 2), with validation loss, reply accuracy on labelled prompts, the
 * TinyStories forgetting check, checkpoints, metrics, loss curve and summary. The fine-tuned validation loss is
 * below the base model's, every output file exists, and the final adapter loaded into a freshly read and
 * quantized model gives the reported validation loss (to float rounding: see KillAndResumeTest on reduction order).
 */
class FinetunePipelineTest {

    @Test
    void shortQloraRunProducesEveryOutputAndAReloadableAdapter(@TempDir Path dir) throws IOException {
        Path file = SftFixtures.supportSample(dir, 240, 27);
        SftDataConfig data = SftFixtures.data(file, 256, 24);
        Path out = dir.resolve("run");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            FitResult result = SftFixtures.smallQlora(SftFixtures.stories260K(), data, out, new PrintStream(log, true, StandardCharsets.UTF_8))
                    .maxSteps(20).labelAccuracy("intent", 6)
                    .forgettingCheck(SftFixtures.shared().resolve("data/tinystories/tinystories_val.txt"), 512)
                    .build().fit();
            String text = log.toString(StandardCharsets.UTF_8);
            System.out.println(text);

            assertThat(result.stepLosses()).hasSize(20).allSatisfy(l -> assertThat(l).isFinite());
            assertThat(result.before()).isPresent();
            assertThat(result.after().loss()).isLessThan(result.before().get().loss() - 0.5);
            assertThat(result.after().answered()).isEqualTo(6);
            assertThat(result.after().forgettingPerplexity()).isPresent();
            assertThat(text).contains("trainable params:").contains("memory estimate").contains("Fine-tuning summary");
            for (String name : new String[] {"adapter/adapter_config.json", "adapter/adapter_model.safetensors", "metrics.csv", "metrics.jsonl",
                    "loss_curve.png", "summary.json", "summary.txt", EvaluationReport.FILE}) {
                assertThat(out.resolve(name)).as(name).isNotEmptyFile();
            }
            assertThat(new CheckpointStore(out.resolve("checkpoints"), java.util.OptionalInt.empty(), w -> { }).complete())
                    .extracting(CheckpointStore.Checkpoint::step).containsExactly(5L, 10L, 15L, 20L);
            assertThat(Files.readAllLines(out.resolve("metrics.csv"))).hasSize(1 + 20 + 2);

            LlamaModel fresh = SftFixtures.stories260K();
            ModelQuantizer.quantizeLinears(fresh, QuantSpec.qlora());
            LoraModel.fromPretrained(fresh, null, result.adapterDir(), LoraModel.Use.INFERENCE).eval();
            SftData prepared = SftData.prepare(data, SftFixtures.tok512(), ChatTemplates.forTokenizer(SftFixtures.tok512()), w -> { });
            assertThat(Evaluator.meanLoss(fresh, prepared.validationBatches(2))).isCloseTo(result.after().loss(), withinPercentage(1e-4));
        }
    }
}
