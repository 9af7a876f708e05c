package dev.hone.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code hone finetune} from a config file leaves the effective config as {@code config.yaml} in its output directory
 * (every key, reloadable), and {@code hone eval} reads it to warn when a QLoRA adapter is used without
 * {@code --load-in-4bit}.
 */
class FinetuneCommandTest {

    @Test
    void theRunsConfigIsWrittenAndEvalWarnsAboutAMissingLoadIn4bit(@TempDir Path dir) throws IOException {
        Path shared = DemoCommand.findShared();
        Path data = SupportSample.firstLines(dir, 12);
        Path config = Files.writeString(dir.resolve("run.yaml"), """
                adapter: qlora
                lora_r: 4
                lora_alpha: 8
                max_steps: 2
                micro_batch_size: 1
                sequence_len: 128
                val_set_size: 2
                save_steps: 0
                """);
        Path out = dir.resolve("out");
        CliRun.stdout("finetune", "--config", config.toString(), "--base_model", shared.resolve("models/stories260K/stories260K.bin").toString(),
                "--tokenizer", shared.resolve("models/stories260K/tok512.bin").toString(), "--datasets", data.toString(),
                "--output_dir", out.toString());

        String yaml = Files.readString(out.resolve("config.yaml"));
        assertThat(yaml).contains("adapter: \"qlora\"", "load_in_4bit: true", "max_steps: 2", "lora_r: 4");
        assertThat(AdapterOptions.trainedIn4bit(out.resolve("adapter"))).contains(true);
        assertThat(AdapterOptions.trainedIn4bit(out.resolve("checkpoints/checkpoint-2"))).contains(true);
        assertThat(AdapterOptions.trainedIn4bit(dir)).isEmpty();

        String[] eval = {"eval", "--base-model", shared.resolve("models/stories260K/stories260K.bin").toString(), "--adapter",
                out.resolve("adapter").toString(), "--data", data.toString(), "--sequence-len", "128"};
        assertThat(CliRun.stdout(eval)).contains("warning: " + out.resolve("adapter") + " was trained on a 4-bit base");
        String[] evalAsTrained = java.util.Arrays.copyOf(eval, eval.length + 1);
        evalAsTrained[eval.length] = "--load-in-4bit";
        assertThat(CliRun.stdout(evalAsTrained)).doesNotContain("warning:");
    }
}
