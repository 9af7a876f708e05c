package dev.hone.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.hone.lora.LoraModel;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.nn.ModelQuantizer;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.train.RunDirectory;
import dev.hone.transformer.train.config.ConfigKey;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The options that put a trained PEFT adapter on a base model for inference ({@code hone eval}, {@code hone generate}):
 * the adapter folder, and whether to quantize the base to NF4 first, as QLoRA trained it (without that the adapter runs
 * on the F32 weights it was not trained against, and its replies drift).
 */
final class AdapterOptions {
    @Option(names = "--adapter", description = "PEFT adapter directory (adapter_config.json + adapter_model.safetensors)")
    Path adapter;

    @Option(names = "--load-in-4bit", description = "quantize the base linear layers to NF4 first (for an adapter trained with QLoRA)")
    boolean loadIn4bit;

    /** Quantizes (reporting to {@code log}) and applies the adapter in inference mode, as asked; returns the adapter folder. */
    Optional<Path> applyTo(LlamaModel model, PrintStream log) {
        if (adapter != null) trainedIn4bit(adapter).filter(trained -> trained != loadIn4bit).ifPresent(trained -> log.println(trained
                ? "warning: " + adapter + " was trained on a 4-bit base (its run's config.yaml has load_in_4bit: true); add --load-in-4bit "
                        + "to use it as it was trained"
                : "warning: " + adapter + " was trained on the unquantized base (its run's config.yaml has load_in_4bit: false); "
                        + "--load-in-4bit runs it on weights it was not trained against"));
        if (loadIn4bit) log.println(ModelQuantizer.quantizeLinears(model, QuantSpec.qlora()).summary());
        if (adapter != null) LoraModel.fromPretrained(model, null, adapter, LoraModel.Use.INFERENCE).eval();
        return Optional.ofNullable(adapter);
    }

    /**
     * Whether the run that wrote {@code adapterDir} quantized its base, from the {@code config.yaml} that
     * {@code hone finetune} leaves in its output directory (beside {@code adapter/}, or two levels above a
     * {@code checkpoints/checkpoint-N}); empty for an adapter from elsewhere (PEFT's files do not record it).
     */
    static Optional<Boolean> trainedIn4bit(Path adapterDir) {
        Path dir = adapterDir.toAbsolutePath().normalize();
        for (Path root : new Path[] {dir.getParent(), dir.getParent() == null ? null : dir.getParent().getParent()}) {
            if (root == null) continue;
            Path config = new RunDirectory(root).effectiveConfig();
            if (!Files.isRegularFile(config)) continue;
            try {
                JsonNode flag = new YAMLMapper().readTree(config.toFile()).path(ConfigKey.LOAD_IN_4BIT.key());
                return flag.isBoolean() ? Optional.of(flag.asBoolean()) : Optional.empty();
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
