package dev.hone.transformer.checkpoint;

import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.io.SafetensorsWriter;
import dev.hone.tensor.spi.RopeStyle;
import dev.hone.transformer.model.LlamaConfig;
import dev.hone.transformer.tokenizer.Llama2cTokenizerFile;
import dev.hone.transformer.tokenizer.ScoredVocabulary;
import dev.hone.transformer.tokenizer.TokenizerJsonWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Converts a llama2.c checkpoint (+ its tokenizer.bin) into a Hugging Face model folder: model.safetensors
 * (F32, metadata {"format": "pt"}), config.json and tokenizer.json + tokenizer_config.json.
 *
 * <p>RoPE layout: llama2.c rotates interleaved pairs (2i, 2i+1) of each head; Hugging Face rotates
 * (i, i + D/2). The q and k projection rows of every head are therefore permuted as transformers'
 * {@code convert_llama_weights_to_hf.permute} does — w.view(heads, D/2, 2, in).transpose(1, 2) — so that
 * new row e * D/2 + j of a head is old row 2j + e. q uses num_attention_heads, k num_key_value_heads.
 *
 * <p>Atomicity: everything is written into a temporary sibling folder that is renamed to the target in
 * one step; the target must not exist yet, and on failure nothing is left behind.
 */
public final class Llama2cToHf {
    private Llama2cToHf() { }

    /** Writes the folder {@code target} (created; it must not exist); tensors are staged in the current scope. */
    public static void convert(Path checkpoint, Path tokenizerBin, Path target) {
        if (Files.exists(target)) throw new CheckpointException(target, "target folder already exists; refusing to overwrite it");
        Llama2cCheckpoint.Loaded loaded = Llama2cCheckpoint.read(checkpoint);
        LlamaConfig config = loaded.config().withRopeStyle(RopeStyle.HALF);
        Path parent = target.toAbsolutePath().getParent();
        Path staging = parent.resolve("." + target.getFileName() + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try (Scope scope = Scope.open()) {
            Files.createDirectories(parent);
            Files.createDirectory(staging);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, float[]> e : loaded.weights().entrySet()) {
                String name = e.getKey();
                int[] shape = loaded.shapes().get(name);
                float[] data = e.getValue();
                if (name.endsWith("self_attn.q_proj.weight")) data = interleavedToHalf(data, config.numAttentionHeads(), config.headDim(), shape[1]);
                if (name.endsWith("self_attn.k_proj.weight")) data = interleavedToHalf(data, config.numKeyValueHeads(), config.headDim(), shape[1]);
                tensors.put(name, Tensor.of(data, shape));
            }
            SafetensorsWriter.write(staging.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
            HfConfigJson.write(staging.resolve("config.json"), config, "float32");
            ScoredVocabulary vocabulary = Llama2cTokenizerFile.read(tokenizerBin, ScoredVocabulary.Whitespace.KEEP);
            TokenizerJsonWriter.write(vocabulary, staging);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteTree(staging, e);
            if (e instanceof CheckpointException c) throw c;
            throw new CheckpointException(target, "conversion of " + checkpoint + " failed, nothing written: " + e, e);
        }
    }

    /**
     * Rows of a [heads * headDim, in] projection reordered per head from interleaved pairs to halves:
     * out[h, e * headDim/2 + j, :] = w[h, 2j + e, :].
     */
    static float[] interleavedToHalf(float[] w, int heads, int headDim, int in) {
        float[] out = new float[w.length];
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < half; j++) {
                for (int e = 0; e < 2; e++) {
                    int from = (h * headDim + 2 * j + e) * in, to = (h * headDim + e * half + j) * in;
                    System.arraycopy(w, from, out, to, in);
                }
            }
        }
        return out;
    }

    private static void deleteTree(Path dir, Exception failure) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
