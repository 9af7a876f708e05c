package dev.hone.transformer.sft;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hone.lora.LoraConfig;
import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.train.config.AdapterKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Going on training a saved adapter (PEFT's is_trainable=True, Axolotl's lora_model_dir): the second run starts from
 * the first run's adapter (its model before training scores the first run's final validation loss), keeps the
 * adapter's own r although the run asks for another, and trains it further.
 */
class StartFromAdapterTest {

    @Test
    void aSecondRunStartsFromTheSavedAdapterAndTrainsItFurther(@TempDir Path dir) throws IOException {
        Path data = SftFixtures.supportSample(dir, 120, 53);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        FitResult first;
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            first = SftFixtures.smallQlora(SftFixtures.stories260K(), SftFixtures.data(data, 256, 8), dir.resolve("first"), quiet)
                    .maxSteps(6).baseEvaluation(Trainer.BaseEvaluation.AFTER_ONLY).sampleGenerations(0).build().fit();
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        FitResult second;
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            second = SftFixtures.smallQlora(SftFixtures.stories260K(), SftFixtures.data(data, 256, 8), dir.resolve("second"),
                            new PrintStream(log, true, StandardCharsets.UTF_8))
                    .adapter(AdapterKind.QLORA, LoraConfig.builder().r(4).loraAlpha(4).allLinear().build())
                    .startFromAdapter(first.adapterDir()).maxSteps(4).sampleGenerations(0).build().fit();
        }

        assertThat(second.before()).isPresent();
        assertThat(second.before().get().loss()).as("the starting model is the first run's result")
                .isCloseTo(first.after().loss(), within(1e-6));
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("going on training the adapter in " + first.adapterDir())
                .contains("LoRA r=8 on 35 linear layers");
        ObjectMapper json = new ObjectMapper();
        assertThat(json.readTree(second.adapterDir().resolve("adapter_config.json").toFile()).get("r").asInt()).isEqualTo(8);
        assertThat(Files.readAllBytes(second.adapterDir().resolve("adapter_model.safetensors")))
                .as("trained further").isNotEqualTo(Files.readAllBytes(first.adapterDir().resolve("adapter_model.safetensors")));
        assertThat(second.after().loss()).isLessThan(second.before().get().loss());
    }

    @Test
    void fullFineTuningCannotStartFromAnAdapter(@TempDir Path dir) throws IOException {
        Path data = SftFixtures.supportSample(dir, 40, 53);
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            Trainer.Builder b = SftFixtures.smallQlora(SftFixtures.stories260K(), SftFixtures.data(data, 256, 8), dir.resolve("run"),
                    System.out).fullFineTuning().startFromAdapter(dir.resolve("adapter"));
            assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("needs a LoRA or QLoRA run, not full fine-tuning");
        }
    }
}
