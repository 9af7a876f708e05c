package dev.hone.lora;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * PEFT's adapter_config.json for LoRA (peft/config.py {@code save_pretrained}: keys sorted, written as
 * the saved adapter's {@code LoraConfig.to_dict()} with {@code inference_mode} true). Hone writes the
 * fields every PEFT release since 0.10 knows, with PEFT's defaults for the features it does not
 * implement (fan_in_fan_out false, no layer replication, no layers_to_transform, loftq_config {}), and
 * reads any PEFT LoRA config, refusing, with the field named, options that would change what the
 * weights mean (fan_in_fan_out, layers_to_transform, layer_replication, lora_bias, non-default
 * initialisations such as PiSSA that rewrite the base weights).
 */
public final class AdapterConfigJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AdapterConfigJson() { }

    /**
     * The JSON text of {@code config}; {@code resolvedTargets} (leaf module names) replaces "all-linear",
     * as PEFT stores the expanded names.
     */
    public static String write(LoraConfig config, List<String> resolvedTargets) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, JsonNode> fields = new TreeMap<>();
        fields.put("alpha_pattern", doubles(config.alphaPattern()));
        fields.put("auto_mapping", f.nullNode());
        fields.put("base_model_name_or_path", config.baseModelNameOrPath() == null ? f.nullNode() : f.textNode(config.baseModelNameOrPath()));
        fields.put("bias", f.textNode(config.bias().json()));
        fields.put("fan_in_fan_out", f.booleanNode(false));
        fields.put("inference_mode", f.booleanNode(true));
        fields.put("init_lora_weights", switch (config.initLoraWeights()) {
            case KAIMING_UNIFORM -> f.booleanNode(true);
            case GAUSSIAN -> f.textNode("gaussian");
            case LINEAR_DEFAULT -> f.booleanNode(false);
        });
        fields.put("layer_replication", f.nullNode());
        fields.put("layers_pattern", f.nullNode());
        fields.put("layers_to_transform", f.nullNode());
        fields.put("loftq_config", f.objectNode());
        fields.put("lora_alpha", number(config.loraAlpha()));
        fields.put("lora_dropout", f.numberNode(config.loraDropout()));
        fields.put("megatron_config", f.nullNode());
        fields.put("megatron_core", f.textNode("megatron.core"));
        if (config.modulesToSave().isEmpty()) fields.put("modules_to_save", f.nullNode());
        else fields.put("modules_to_save", strings(config.modulesToSave()));
        fields.put("peft_type", f.textNode("LORA"));
        fields.put("r", f.numberNode(config.r()));
        ObjectNode ranks = f.objectNode();
        config.rankPattern().forEach(ranks::put);
        fields.put("rank_pattern", ranks);
        fields.put("revision", f.nullNode());
        fields.put("target_modules", switch (config.targetModules()) {
            case TargetModules.Names n -> strings(n.names().stream().sorted().toList());
            case TargetModules.Regex r -> f.textNode(r.regex());
            case TargetModules.AllLinear a -> strings(resolvedTargets.stream().sorted().distinct().toList());
        });
        fields.put("task_type", config.taskType() == null ? f.nullNode() : f.textNode(config.taskType()));
        fields.put("use_dora", f.booleanNode(config.variant() == LoraConfig.Variant.DORA));
        fields.put("use_rslora", f.booleanNode(config.scaling() == LoraConfig.Scaling.RANK_STABILIZED));
        ObjectNode root = f.objectNode();
        fields.forEach(root::set);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("adapter_config.json: cannot serialise " + config, e);
        }
    }

    /** Parses adapter_config.json text; {@code file} names the source in errors. */
    public static LoraConfig read(String text, Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException(file + ": expected a JSON object");
        List<String> problems = new ArrayList<>();
        String peftType = root.path("peft_type").asText("");
        if (!peftType.equals("LORA")) problems.add("peft_type is \"" + peftType + "\", only \"LORA\" is supported");
        if (root.path("fan_in_fan_out").asBoolean(false)) problems.add("fan_in_fan_out true (Conv1D-style weights) is not supported");
        if (!isNullOrEmpty(root.get("layers_to_transform"))) problems.add("layers_to_transform is not supported");
        if (!isNullOrEmpty(root.get("layer_replication"))) problems.add("layer_replication is not supported");
        if (root.path("lora_bias").asBoolean(false)) problems.add("lora_bias true is not supported");
        JsonNode init = root.get("init_lora_weights");
        LoraConfig.Init initKind = LoraConfig.Init.KAIMING_UNIFORM;
        if (init != null && !init.isNull()) {
            if (init.isBoolean()) initKind = init.booleanValue() ? LoraConfig.Init.KAIMING_UNIFORM : LoraConfig.Init.LINEAR_DEFAULT;
            else if (init.asText().equalsIgnoreCase("gaussian")) initKind = LoraConfig.Init.GAUSSIAN;
            else problems.add("init_lora_weights \"" + init.asText() + "\" changes the base weights; only true, false and \"gaussian\" are supported");
        }
        JsonNode targets = root.get("target_modules");
        if (targets == null || targets.isNull()) problems.add("target_modules is missing");
        if (!problems.isEmpty()) throw new IllegalArgumentException(file + ": unsupported LoRA config: " + String.join("; ", problems));
        List<String> toSave = new ArrayList<>();
        root.path("modules_to_save").forEach(n -> toSave.add(n.asText()));
        Map<String, Integer> ranks = new LinkedHashMap<>();
        root.path("rank_pattern").properties().forEach(e -> ranks.put(e.getKey(), e.getValue().asInt()));
        Map<String, Double> alphas = new LinkedHashMap<>();
        root.path("alpha_pattern").properties().forEach(e -> alphas.put(e.getKey(), e.getValue().asDouble()));
        JsonNode base = root.get("base_model_name_or_path");
        JsonNode task = root.get("task_type");
        try {
            return LoraConfig.builder()
                    .r(root.path("r").asInt(8))
                    .loraAlpha(root.path("lora_alpha").asDouble(8))
                    .loraDropout(root.path("lora_dropout").asDouble(0))
                    .targetModules(targets.isTextual() ? TargetModules.parse(targets.asText()) : TargetModules.parse(textList(targets)))
                    .bias(LoraConfig.Bias.parse(root.path("bias").asText("none")))
                    .scaling(root.path("use_rslora").asBoolean(false) ? LoraConfig.Scaling.RANK_STABILIZED : LoraConfig.Scaling.STANDARD)
                    .variant(root.path("use_dora").asBoolean(false) ? LoraConfig.Variant.DORA : LoraConfig.Variant.LORA)
                    .modulesToSave(toSave)
                    .initLoraWeights(initKind)
                    .rankPattern(ranks)
                    .alphaPattern(alphas)
                    .baseModelNameOrPath(base == null || base.isNull() ? null : base.asText())
                    .taskType(task == null || task.isNull() ? null : task.asText())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static boolean isNullOrEmpty(JsonNode n) { return n == null || n.isNull() || (n.isContainerNode() && n.isEmpty()); }

    private static List<String> textList(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static JsonNode strings(List<String> values) {
        var array = JsonNodeFactory.instance.arrayNode();
        values.forEach(array::add);
        return array;
    }

    private static JsonNode doubles(Map<String, Double> values) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        values.forEach((k, v) -> o.set(k, number(v)));
        return o;
    }

    /** An integer node when {@code v} is integral (PEFT's lora_alpha is an int), else a float. */
    private static JsonNode number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? JsonNodeFactory.instance.numberNode((long) v) : JsonNodeFactory.instance.numberNode(v);
    }
}
