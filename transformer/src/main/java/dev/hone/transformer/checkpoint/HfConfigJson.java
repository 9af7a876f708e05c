package dev.hone.transformer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hone.tensor.io.AtomicFiles;
import dev.hone.tensor.spi.RopeStyle;
import dev.hone.transformer.model.LlamaConfig;
import dev.hone.transformer.model.RopeScaling;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes a Hugging Face {@code config.json} for the Llama family (transformers' LlamaConfig,
 * MistralConfig, Qwen2Config field names). Defaults follow transformers where a field may be absent
 * (rms_norm_eps 1e-6, rope_theta 10000, tie_word_embeddings false, attention_bias false; Qwen2 always has
 * q/k/v biases). Anything this engine cannot run — another architecture, a head_dim other than
 * hidden_size / num_attention_heads, a rope_scaling type other than linear or llama3, an activation other
 * than silu — is a {@link CheckpointException} naming the file and the field.
 */
public final class HfConfigJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HfConfigJson() { }

    public static LlamaConfig read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot parse config.json: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new CheckpointException(file, "config.json is not a JSON object");
        LlamaConfig.Architecture architecture = architecture(file, root);
        int hidden = required(file, root, "hidden_size");
        int heads = required(file, root, "num_attention_heads");
        if (root.hasNonNull("head_dim") && root.get("head_dim").asInt() * heads != hidden) {
            throw new CheckpointException(file, "field 'head_dim' = " + root.get("head_dim").asInt() + " differs from hidden_size / "
                    + "num_attention_heads = " + hidden / heads + "; not supported");
        }
        String activation = root.path("hidden_act").asText("silu");
        if (!activation.equals("silu")) throw new CheckpointException(file, "field 'hidden_act' = '" + activation + "' is not supported (silu only)");
        boolean bias = architecture == LlamaConfig.Architecture.QWEN2 || root.path("attention_bias").asBoolean(false);
        try {
            return new LlamaConfig(architecture,
                    required(file, root, "vocab_size"), hidden, required(file, root, "intermediate_size"),
                    required(file, root, "num_hidden_layers"), heads, root.path("num_key_value_heads").asInt(heads),
                    root.path("max_position_embeddings").asInt(2048),
                    (float) root.path("rms_norm_eps").asDouble(1e-6), (float) root.path("rope_theta").asDouble(10000),
                    ropeScaling(file, root.get("rope_scaling")),
                    root.path("tie_word_embeddings").asBoolean(false) ? LlamaConfig.WordEmbeddings.TIED : LlamaConfig.WordEmbeddings.SEPARATE,
                    bias ? LlamaConfig.AttentionBias.QKV : LlamaConfig.AttentionBias.NONE,
                    root.path("bos_token_id").asInt(-1), eosIds(root.get("eos_token_id")), RopeStyle.HALF);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, e.getMessage(), e);
        }
    }

    private static LlamaConfig.Architecture architecture(Path file, JsonNode root) {
        JsonNode list = root.get("architectures");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new CheckpointException(file, "field 'architectures' is missing; expected one of " + supported());
        }
        String name = list.get(0).asText();
        for (LlamaConfig.Architecture a : LlamaConfig.Architecture.values()) if (a.hfClass().equals(name)) return a;
        throw new CheckpointException(file, "field 'architectures' = '" + name + "' is not supported; expected one of " + supported());
    }

    private static List<String> supported() {
        List<String> names = new ArrayList<>();
        for (LlamaConfig.Architecture a : LlamaConfig.Architecture.values()) names.add(a.hfClass());
        return names;
    }

    private static int required(Path file, JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || !v.canConvertToInt()) throw new CheckpointException(file, "field '" + field + "' is missing or not an integer");
        return v.asInt();
    }

    private static List<Integer> eosIds(JsonNode node) {
        List<Integer> ids = new ArrayList<>();
        if (node == null || node.isNull()) return ids;
        if (node.isArray()) node.forEach(n -> ids.add(n.asInt()));
        else ids.add(node.asInt());
        return ids;
    }

    private static RopeScaling ropeScaling(Path file, JsonNode node) {
        if (node == null || node.isNull()) return new RopeScaling.None();
        String type = node.has("rope_type") ? node.get("rope_type").asText() : node.path("type").asText("");
        try {
            return switch (type) {
                case "default" -> new RopeScaling.None();
                case "linear" -> new RopeScaling.Linear(node.path("factor").asDouble());
                case "llama3" -> new RopeScaling.Llama3(node.path("factor").asDouble(), node.path("low_freq_factor").asDouble(),
                        node.path("high_freq_factor").asDouble(), node.path("original_max_position_embeddings").asInt());
                default -> throw new CheckpointException(file, "field 'rope_scaling' has type '" + type + "'; supported: linear, llama3");
            };
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, "field 'rope_scaling': " + e.getMessage(), e);
        }
    }

    /** config.json for {@code config} with weights stored in {@code torchDtype} ("float32", "bfloat16"). */
    public static ObjectNode toJson(LlamaConfig config, String torchDtype) {
        if (config.ropeStyle() != RopeStyle.HALF) {
            throw new IllegalArgumentException("config.json describes rotate-half (HALF) checkpoints; permute q/k rows first");
        }
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add(config.architecture().hfClass());
        o.put("model_type", config.architecture().modelType());
        o.put("vocab_size", config.vocabSize());
        o.put("hidden_size", config.hiddenSize());
        o.put("intermediate_size", config.intermediateSize());
        o.put("num_hidden_layers", config.numHiddenLayers());
        o.put("num_attention_heads", config.numAttentionHeads());
        o.put("num_key_value_heads", config.numKeyValueHeads());
        o.put("max_position_embeddings", config.maxPositionEmbeddings());
        o.put("rms_norm_eps", (double) config.rmsNormEps());
        o.put("rope_theta", (double) config.ropeTheta());
        switch (config.ropeScaling()) {
            case RopeScaling.None none -> o.putNull("rope_scaling");
            case RopeScaling.Linear linear -> o.putObject("rope_scaling").put("rope_type", "linear").put("factor", linear.factor());
            case RopeScaling.Llama3 l -> o.putObject("rope_scaling").put("rope_type", "llama3").put("factor", l.factor())
                    .put("low_freq_factor", l.lowFreqFactor()).put("high_freq_factor", l.highFreqFactor())
                    .put("original_max_position_embeddings", l.originalMaxPositionEmbeddings());
        }
        o.put("tie_word_embeddings", config.tied());
        o.put("attention_bias", config.attentionBias() == LlamaConfig.AttentionBias.QKV);
        o.put("hidden_act", "silu");
        if (config.bosTokenId() >= 0) o.put("bos_token_id", config.bosTokenId());
        if (config.eosTokenIds().size() == 1) o.put("eos_token_id", config.eosTokenIds().get(0));
        else if (!config.eosTokenIds().isEmpty()) config.eosTokenIds().forEach(o.putArray("eos_token_id")::add);
        o.put("torch_dtype", torchDtype);
        return o;
    }

    /** Writes {@code config.json} whole or not at all (see {@link AtomicFiles}). */
    public static void write(Path file, LlamaConfig config, String torchDtype) throws IOException {
        AtomicFiles.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(config, torchDtype)) + "\n");
    }
}
