package dev.hone.examples;

import dev.hone.lora.LoraModel;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.nn.ModelQuantizer;
import dev.hone.transformer.model.LlamaModel;
import picocli.CommandLine.Option;

import java.io.PrintStream;
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
        if (loadIn4bit) log.println(ModelQuantizer.quantizeLinears(model, QuantSpec.qlora()).summary());
        if (adapter != null) LoraModel.fromPretrained(model, null, adapter, LoraModel.Use.INFERENCE).eval();
        return Optional.ofNullable(adapter);
    }
}
