package dev.hone.transformer.sft;

import dev.hone.tensor.DType;
import dev.hone.transformer.checkpoint.HfCheckpoint;
import dev.hone.transformer.checkpoint.Llama2cCheckpoint;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.tokenizer.Llama2cTokenizerFile;
import dev.hone.transformer.tokenizer.ScoredVocabulary;
import dev.hone.transformer.tokenizer.SentencePieceModelFile;
import dev.hone.transformer.tokenizer.Tokenizer;
import dev.hone.transformer.tokenizer.TokenizerJsonWriter;
import dev.hone.transformer.tokenizer.Tokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
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
        return Tokenizers.load(tokenizerSource(base, tokenizer, vocabSize));
    }

    /** The file or folder {@link #tokenizer} loads. */
    static Path tokenizerSource(Path base, Optional<Path> tokenizer, int vocabSize) {
        if (tokenizer.isPresent()) return tokenizer.get();
        if (Files.isDirectory(base)) return base;
        Path dir = base.toAbsolutePath().getParent();
        for (String name : new String[] {"tok" + vocabSize + ".bin", "tokenizer.bin", "tokenizer.model"}) {
            if (Files.isRegularFile(dir.resolve(name))) return dir.resolve(name);
        }
        throw new IllegalArgumentException("no tokenizer for the llama2.c checkpoint " + base + ": pass --tokenizer (tokenizer.bin or .model)");
    }

    /**
     * Puts the base model's tokenizer into a Hugging Face folder {@code target}: a folder's tokenizer files are
     * copied; a llama2.c tokenizer.bin or SentencePiece .model is converted to tokenizer.json (as Llama2cToHf does).
     */
    public static void writeTokenizer(Path base, Optional<Path> tokenizer, int vocabSize, Path target) throws IOException {
        Path source = tokenizerSource(base, tokenizer, vocabSize);
        if (Files.isDirectory(source)) {
            for (String name : new String[] {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model"}) {
                if (Files.isRegularFile(source.resolve(name))) Files.copy(source.resolve(name), target.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        } else if (source.toString().endsWith(".json")) {
            Files.copy(source, target.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        } else if (source.toString().endsWith(".model")) {
            TokenizerJsonWriter.write(SentencePieceModelFile.read(source), target);
        } else {
            TokenizerJsonWriter.write(Llama2cTokenizerFile.read(source, ScoredVocabulary.Whitespace.KEEP), target);
        }
    }
}
