package dev.hone.transformer.sft;

import dev.hone.tensor.DType;
import dev.hone.transformer.checkpoint.HfCheckpoint;
import dev.hone.transformer.checkpoint.Llama2cCheckpoint;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.tokenizer.Tokenizer;
import dev.hone.transformer.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Opens a base model and its tokenizer from what users point at: a Hugging Face folder (config.json +
 * safetensors, its tokenizer found in the folder) or a llama2.c {@code .bin} checkpoint, whose tokenizer
 * ({@code tokenizer.bin}/{@code .model}) must be given or lie next to it as {@code tok<vocab>.bin} or
 * {@code tokenizer.bin}. Weights are copied (trainable in place; a LoRA run freezes them).
 */
public final class BaseModels {
    private BaseModels() { }

    /** The model in {@code dtype} (F32 or BF16), in the current scope. */
    public static LlamaModel load(Path base, DType dtype) {
        if (Files.isDirectory(base)) return HfCheckpoint.load(base, dtype, HfCheckpoint.Residence.COPIED);
        if (Files.isRegularFile(base)) return Llama2cCheckpoint.load(base, dtype);
        throw new IllegalArgumentException("base_model " + base.toAbsolutePath() + " does not exist (a Hugging Face folder or a llama2.c .bin file)");
    }

    /** {@code tokenizer} when given, else the folder's own, else a llama2.c tokenizer next to the .bin. */
    public static Tokenizer tokenizer(Path base, Optional<Path> tokenizer, int vocabSize) {
        if (tokenizer.isPresent()) return Tokenizers.load(tokenizer.get());
        if (Files.isDirectory(base)) return Tokenizers.load(base);
        Path dir = base.toAbsolutePath().getParent();
        for (String name : new String[] {"tok" + vocabSize + ".bin", "tokenizer.bin", "tokenizer.model"}) {
            if (Files.isRegularFile(dir.resolve(name))) return Tokenizers.load(dir.resolve(name));
        }
        throw new IllegalArgumentException("no tokenizer for the llama2.c checkpoint " + base + ": pass --tokenizer (tokenizer.bin or .model)");
    }
}
