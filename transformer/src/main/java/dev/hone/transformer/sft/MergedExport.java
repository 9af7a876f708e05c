package dev.hone.transformer.sft;

import dev.hone.lora.LoraModel;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.io.SafetensorsWriter;
import dev.hone.tensor.spi.RopeStyle;
import dev.hone.transformer.checkpoint.HfConfigJson;
import dev.hone.transformer.model.LlamaConfig;
import dev.hone.transformer.model.LlamaModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code hone merge}: base + LoRA adapter → a Hugging Face model folder (model.safetensors + config.json) with
 * W' = W + s·B·A in every adapted layer (PEFT's merge_and_unload). A 4-bit base is dequantized before the add, so
 * the result is what the QLoRA model computed; weights are written in F32 or BF16. A model loaded from llama2.c
 * (interleaved RoPE rows) gets its q/k rows permuted to Hugging Face's half layout, as Llama2cToHf does.
 */
public final class MergedExport {
    private static final String WEIGHTS = "model.safetensors";

    private MergedExport() { }

    /** Merges the active adapter of {@code lora} over {@code model} and writes {@code target} (created if absent). */
    public static void write(LlamaModel model, LoraModel lora, DType dtype, Path target) {
        if (dtype != DType.F32 && dtype != DType.BF16) throw new IllegalArgumentException("merge: output dtype " + dtype + " (F32 or BF16)");
        LlamaConfig config = model.config();
        boolean interleaved = config.ropeStyle() == RopeStyle.INTERLEAVED;
        try (Scope scope = Scope.open()) {
            if (Files.isDirectory(target)) refuseOtherWeights(target);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : lora.mergedStateDict().entrySet()) {
                Tensor t = Ops.cast(e.getValue(), DType.F32);
                if (interleaved && e.getKey().endsWith("self_attn.q_proj.weight")) t = toHalf(t, config.numAttentionHeads(), config.headDim());
                if (interleaved && e.getKey().endsWith("self_attn.k_proj.weight")) t = toHalf(t, config.numKeyValueHeads(), config.headDim());
                out.put(e.getKey(), Ops.cast(t, dtype));
            }
            Files.createDirectories(target);
            SafetensorsWriter.write(target.resolve(WEIGHTS), out, Map.of("format", "pt"));
            LlamaConfig written = interleaved ? config.withRopeStyle(RopeStyle.HALF) : config;
            HfConfigJson.write(target.resolve("config.json"), written, dtype == DType.BF16 ? "bfloat16" : "float32");
        } catch (IOException e) {
            throw new UncheckedIOException("merge: cannot write " + target + ": " + e, e);
        }
    }

    /**
     * A folder that already holds other weights (a sharded model's shards and index, another safetensors file,
     * PyTorch .bin weights) would end up with two models in it, and loaders prefer the index: refused, naming the
     * files. A previous merge's {@code model.safetensors} is replaced.
     */
    private static void refuseOtherWeights(Path target) throws IOException {
        List<String> others;
        try (Stream<Path> files = Files.list(target)) {
            others = files.map(f -> f.getFileName().toString()).filter(MergedExport::isOtherWeights).sorted().toList();
        }
        if (!others.isEmpty()) {
            throw new IllegalArgumentException("merge: " + target + " already holds model weights " + others
                    + "; the merged model would sit beside them and loaders would pick the old ones: write to a new or empty folder");
        }
    }

    private static boolean isOtherWeights(String name) {
        return !name.equals(WEIGHTS) && (name.endsWith(".safetensors") || name.endsWith(".safetensors.index.json")
                || name.startsWith("pytorch_model") && (name.endsWith(".bin") || name.endsWith(".bin.index.json")));
    }

    /** Rows of [heads * headDim, in] from interleaved pairs to halves: out[h, e * headDim/2 + j] = w[h, 2j + e]. */
    private static Tensor toHalf(Tensor w, int heads, int headDim) {
        int in = w.dim(1);
        float[] src = w.toFloatArray(), dst = new float[src.length];
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < half; j++) {
                for (int e = 0; e < 2; e++) System.arraycopy(src, (h * headDim + 2 * j + e) * in, dst, (h * headDim + e * half + j) * in, in);
            }
        }
        return Tensor.of(dst, w.dim(0), in);
    }
}
