package dev.hone.examples;

import dev.hone.lora.LoraConfig;
import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.checkpoint.Llama2cCheckpoint;
import dev.hone.transformer.data.DataSource;
import dev.hone.transformer.data.SftDataConfig;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.sft.FitResult;
import dev.hone.transformer.sft.Trainer;
import dev.hone.transformer.tokenizer.Tokenizer;
import dev.hone.transformer.tokenizer.Tokenizers;
import dev.hone.transformer.train.config.AdapterKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README.md's "fine-tune from Java" example, statement for statement, on a 300-line slice of the
 * customer-support data and with 4 steps instead of 150 so it fits in the test suite.
 */
class ReadmeFinetuneExampleTest {

    @Test
    void readmeFinetuneExampleRunsAndLowersTheValidationLoss(@TempDir Path dir) throws IOException {
        Path shared = DemoCommand.findShared();
        Path support = SupportSample.firstLines(dir, 300);
        Path runDir = dir.resolve("runs/my-run");

        FitResult result;
        try (Backend cpu = Backends.open("cpu"); Scope scope = Scope.open(cpu);
             LlamaModel model = Llama2cCheckpoint.load(shared.resolve("models/stories260K/stories260K.bin"), DType.F32)) {
            Tokenizer tokenizer = Tokenizers.load(shared.resolve("models/stories260K/tok512.bin"));
            result = Trainer.builder()
                    .model(model, tokenizer)
                    .data(SftDataConfig.defaults(DataSource.of(support), 512))
                    .adapter(AdapterKind.QLORA, LoraConfig.builder().r(16).loraAlpha(32).allLinear().build())
                    .learningRate(3e-3).maxSteps(4).microBatchSize(4)
                    .outputDir(runDir)
                    .build().fit();
            System.out.println(result.summary().toText());   // base vs fine-tuned loss, time, memory
        }
        assertThat(result.stepLosses()).hasSize(4);
        assertThat(result.before()).isPresent();
        assertThat(result.after().loss()).isLessThan(result.before().get().loss());
        assertThat(runDir.resolve("adapter/adapter_model.safetensors")).isNotEmptyFile();
        assertThat(runDir.resolve("summary.json")).isNotEmptyFile();
    }
}
