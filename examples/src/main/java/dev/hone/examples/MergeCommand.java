package dev.hone.examples;

import dev.hone.lora.LoraModel;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.nn.ModelQuantizer;
import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.sft.BaseModels;
import dev.hone.transformer.sft.MergedExport;
import dev.hone.transformer.quantized.QuantizedCheckpoint;
import dev.hone.transformer.quantized.QuantizedLlama;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code hone merge}: base model + PEFT adapter → a Hugging Face folder (model.safetensors + config.json) with the
 * adapter merged into the weights, in F32 or BF16. With {@code --load-in-4bit} the base is NF4-quantized first and
 * dequantized for the merge, reproducing what a QLoRA-trained adapter was trained against. {@code --requantize} then
 * writes the merged model in bitsandbytes' NF4 layout (with a warning: the rounding changes results).
 */
@Command(name = "merge", mixinStandardHelpOptions = true, description = "Merge a LoRA adapter into its base model and write a Hugging Face safetensors folder.")
final class MergeCommand implements Callable<Integer> {

    @Option(names = "--base-model", required = true, description = "Hugging Face folder or llama2.c .bin")
    Path baseModel;

    @Option(names = "--adapter", required = true, description = "PEFT adapter directory")
    Path adapter;

    @Option(names = "--output", required = true, description = "output folder")
    Path output;

    @Option(names = "--dtype", defaultValue = "F32", description = "F32 or BF16 (default ${DEFAULT-VALUE})")
    DType dtype;

    @Option(names = "--load-in-4bit", description = "merge onto the NF4-dequantized base (for an adapter trained with QLoRA)")
    boolean loadIn4bit;

    @Option(names = "--requantize", description = "write the merged model quantized again to NF4 (bitsandbytes layout); changes its results")
    boolean requantize;

    @Option(names = "--tokenizer", description = "the base model's tokenizer (default: the model folder's, or tok<vocab>.bin next to a .bin); written to the output as tokenizer.json")
    Path tokenizer;

    @Option(names = "--backend", defaultValue = "cpu", description = "backend name (default ${DEFAULT-VALUE})")
    String backendName;

    @Override
    public Integer call() throws IOException {
        if (Files.isDirectory(baseModel) && Files.isDirectory(output) && Files.isSameFile(baseModel, output)) {
            throw new IllegalArgumentException("merge: --output " + output + " is the base model's folder; the merge would replace "
                    + "its weights and config.json: write to a new folder");
        }
        try (Backend backend = Backends.open(backendName); Scope scope = Scope.open(backend)) {
            LlamaModel model = BaseModels.load(baseModel, DType.F32);
            if (loadIn4bit) System.out.println(ModelQuantizer.quantizeLinears(model, QuantSpec.qlora()).summary());
            LoraModel lora = LoraModel.fromPretrained(model, null, adapter, LoraModel.Use.INFERENCE);
            MergedExport.write(model, lora, dtype, output);
            BaseModels.writeTokenizer(baseModel, Optional.ofNullable(tokenizer), model.config().vocabSize(), output);
            if (requantize) {
                System.out.println("warning: requantizing rounds the merged weights to NF4 again, so the saved model no longer "
                        + "computes exactly what base + adapter computed; keep the dense merge if that matters");
                try (Scope staging = Scope.open()) {
                    QuantizedLlama.Loaded merged = QuantizedLlama.loadHf(output, DType.F32, QuantSpec.qlora());
                    QuantizedCheckpoint.save(merged.model(), output);
                    System.out.println(merged.report().summary());
                }
            }
            System.out.println("merged " + adapter + " into " + baseModel + " -> " + output + " (" + dtype + ")");
        }
        return 0;
    }
}
