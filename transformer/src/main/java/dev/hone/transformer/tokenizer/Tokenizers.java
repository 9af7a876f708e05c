package dev.hone.transformer.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a tokenizer by path. A folder is searched for {@code tokenizer.json} (Hugging Face), then
 * {@code tokenizer.model} (SentencePiece BPE), then {@code tokenizer.bin} (llama2.c); a file is recognised by its
 * extension ({@code .json}, {@code .model}, {@code .bin}). llama2.c files are encoded exactly as run.c does.
 */
public final class Tokenizers {
    private Tokenizers() {}

    public static Tokenizer load(Path path) {
        if (Files.isDirectory(path)) {
            for (String name : new String[] {"tokenizer.json", "tokenizer.model", "tokenizer.bin"}) {
                if (Files.isRegularFile(path.resolve(name))) return load(path.resolve(name));
            }
            throw new TokenizerFormatException(path + ": no tokenizer.json, tokenizer.model or tokenizer.bin in this folder");
        }
        String name = path.getFileName().toString();
        if (name.endsWith(".json")) return HfTokenizer.load(path);
        if (name.endsWith(".model")) return SentencePieceBpeTokenizer.fromSentencePieceModel(path);
        if (name.endsWith(".bin")) return SentencePieceBpeTokenizer.fromLlama2cFile(path);
        throw new TokenizerFormatException(path + ": unknown tokenizer file type (expected .json, .model or .bin)");
    }
}
