package dev.hone.transformer.train.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.hone.transformer.data.DuplicatePolicy;
import dev.hone.transformer.data.MalformedInputPolicy;
import dev.hone.transformer.data.OverlongPolicy;
import dev.hone.transformer.data.TrainOn;
import dev.hone.transformer.train.config.ConfigKey.Level;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import static dev.hone.transformer.train.config.ConfigKey.*;

/**
 * Builds a {@link TrainingConfig} from a YAML or JSON file (chosen by extension: {@code .yaml}/{@code .yml}
 * or {@code .json}; otherwise by content), then command-line overrides, then defaults. The defaults are
 * those of Axolotl and TRL and are written here only (documented in {@link ConfigKey}).
 *
 * <p>Invariants: YAML and JSON with the same content give equal configs; an override value is read as a YAML
 * scalar or flow collection ({@code 1e-4}, {@code true}, {@code [q_proj, v_proj]}); a duplicate key, an unknown
 * key (with its nearest known key) or an invalid value throws one {@link TrainingConfigException} listing every
 * problem. Relative paths are kept relative (resolved against the working directory, as Axolotl does).
 */
public final class TrainingConfigLoader {
    private TrainingConfigLoader() { }

    /** Reads {@code file}, applies {@code overrides} (flat keys without dashes, see {@link CliOverrides}), validates. */
    public static TrainingConfig load(Path file, Map<String, String> overrides) {
        ObjectNode tree = readTree(file);
        applyOverrides(tree, overrides);
        return fromTree(tree, overrides.isEmpty() ? file.toString() : file + " with command-line overrides");
    }

    public static TrainingConfig load(Path file) { return load(file, Map.of()); }

    /** A config from command-line flags alone. */
    public static TrainingConfig fromOverrides(Map<String, String> overrides) {
        ObjectNode tree = JsonNodeFactory.instance.objectNode();
        applyOverrides(tree, overrides);
        return fromTree(tree, "command line");
    }

    /** A config from Java: keys as in YAML, values as Jackson would read them (strings, numbers, booleans, lists, maps). */
    public static TrainingConfig fromMap(Map<String, ?> values) {
        return fromTree(new ObjectMapper().valueToTree(values), "map");
    }

    /** The file's top-level object, with duplicate keys rejected. */
    public static ObjectNode readTree(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new TrainingConfigException(file.toString(), List.of("cannot read the file: " + e));
        }
        boolean json = name.endsWith(".json") || (!name.endsWith(".yaml") && !name.endsWith(".yml") && text.stripLeading().startsWith("{"));
        ObjectMapper mapper = json ? JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build()
                : YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new TrainingConfigException(file.toString(), List.of((json ? "JSON" : "YAML") + " syntax" + where + ": " + e.getOriginalMessage()));
        }
        if (root == null || root.isMissingNode() || root.isNull()) return JsonNodeFactory.instance.objectNode();
        if (!root.isObject()) {
            throw new TrainingConfigException(file.toString(), List.of("the top level must be a mapping of keys to values, found " + ConfigReader.describe(root)));
        }
        return (ObjectNode) root;
    }

    /** Sets each override on {@code tree}; the value is parsed as YAML, so numbers, booleans and lists keep their type. */
    public static void applyOverrides(ObjectNode tree, Map<String, String> overrides) {
        YAMLMapper yaml = new YAMLMapper();
        overrides.forEach((key, value) -> {
            JsonNode node;
            try {
                node = value == null || value.isBlank() ? NullNode.instance : yaml.readTree(value);
            } catch (IOException e) {
                node = JsonNodeFactory.instance.textNode(value);
            }
            tree.set(KeySuggestions.normalise(key), node == null || node.isMissingNode() ? NullNode.instance : node);
        });
    }

    /** Validates {@code tree} and builds the config; {@code source} names it in errors. */
    public static TrainingConfig fromTree(ObjectNode tree, String source) {
        List<String> problems = new ArrayList<>();
        ConfigReader r = new ConfigReader(tree, "", problems);

        TrainingConfig.Model model = new TrainingConfig.Model(Path.of(r.requiredString(BASE_MODEL)),
                r.string(TOKENIZER).map(Path::of), r.bool(GRADIENT_CHECKPOINTING, false), r.bool(BF16, false));

        List<DatasetSpec> datasets = datasets(r, problems);
        double valSetSize = r.number(VAL_SET_SIZE, 0.1, v -> v >= 0 && (v < 1 || v == Math.rint(v)),
                "a fraction in [0, 1) or a whole count");
        TrainingConfig.Data data = new TrainingConfig.Data(datasets, valSetSize, r.string(VAL_FILE).map(Path::of),
                (int) r.integer(SEQUENCE_LEN, 512, v -> v >= 2 && v <= 1 << 20, "between 2 and 1048576"),
                r.bool(SAMPLE_PACKING, false), r.bool(TRAIN_ON_INPUTS, false) ? TrainOn.ALL_TOKENS : TrainOn.ASSISTANT,
                r.choice(EXCESS_LENGTH_STRATEGY, OverlongPolicy.TRUNCATE, orderedMap("truncate", OverlongPolicy.TRUNCATE, "drop", OverlongPolicy.DROP)),
                r.bool(DATASET_EXACT_DEDUPLICATION, true) ? DuplicatePolicy.REMOVE : DuplicatePolicy.KEEP,
                r.choice(ON_BAD_LINE, MalformedInputPolicy.STOP, orderedMap("skip", MalformedInputPolicy.SKIP, "stop", MalformedInputPolicy.STOP)));

        AdapterKind adapter = r.choice(ADAPTER, AdapterKind.FULL, orderedMap("lora", AdapterKind.LORA, "qlora", AdapterKind.QLORA,
                "none", AdapterKind.FULL, "full", AdapterKind.FULL));
        TrainingConfig.Lora lora = new TrainingConfig.Lora(adapter,
                (int) r.integer(LORA_R, 8, v -> v >= 1 && v <= 65536, "a positive integer"),
                r.number(LORA_ALPHA, 8, v -> v > 0, "> 0"),
                r.number(LORA_DROPOUT, 0.0, v -> v >= 0 && v < 1, "in [0, 1)"),
                targets(r), r.bool(USE_RSLORA, false), r.bool(USE_DORA, false), r.stringList(LORA_MODULES_TO_SAVE).orElse(List.of()),
                r.string(LORA_MODEL_DIR).map(Path::of));
        if (lora.modelDir().isPresent() && adapter == AdapterKind.FULL) {
            r.problem(LORA_MODEL_DIR, "names an adapter to go on training, but adapter is " + adapter.name().toLowerCase(Locale.ROOT)
                    + ": set adapter: lora (or qlora for an adapter trained on a 4-bit base)");
        }

        Optional<Boolean> explicit4bit = r.raw(LOAD_IN_4BIT).isPresent() ? Optional.of(r.bool(LOAD_IN_4BIT, false)) : Optional.empty();
        if (adapter == AdapterKind.QLORA && explicit4bit.equals(Optional.of(false))) {
            r.problem(LOAD_IN_4BIT, "is false but adapter is qlora, which needs 4-bit base weights; remove load_in_4bit or use adapter: lora");
        } else if (adapter != AdapterKind.QLORA && explicit4bit.equals(Optional.of(true))) {
            r.problem(LOAD_IN_4BIT, "4-bit base weights are frozen and need an adapter: set adapter: qlora (adapter is "
                    + adapter.name().toLowerCase(Locale.ROOT) + ")");
        }
        TrainingConfig.Quantization quantization = new TrainingConfig.Quantization(adapter == AdapterKind.QLORA,
                r.choice(BNB_4BIT_QUANT_TYPE, QuantType.NF4, orderedMap("nf4", QuantType.NF4, "fp4", QuantType.FP4)),
                r.bool(BNB_4BIT_USE_DOUBLE_QUANT, true));

        TrainingConfig.Optimizer optimizer = new TrainingConfig.Optimizer(
                r.number(LEARNING_RATE, 2e-5, v -> v > 0 && v < 10, "> 0 (and below 10)"),
                r.number(WEIGHT_DECAY, 0.0, v -> v >= 0, ">= 0"),
                r.number(ADAM_BETA1, 0.9, v -> v >= 0 && v < 1, "in [0, 1)"),
                r.number(ADAM_BETA2, 0.999, v -> v >= 0 && v < 1, "in [0, 1)"),
                r.number(ADAM_EPSILON, 1e-8, v -> v > 0, "> 0"),
                r.number(MAX_GRAD_NORM, 1.0, v -> v >= 0, ">= 0 (0 turns clipping off)"));

        double warmupRatio = r.number(WARMUP_RATIO, 0.0, v -> v >= 0 && v < 1, "in [0, 1)");
        OptionalLong warmupSteps = r.optionalInteger(WARMUP_STEPS, v -> v >= 0, ">= 0");
        if (warmupRatio > 0 && warmupSteps.isPresent()) {
            r.problem(WARMUP_STEPS, "and warmup_ratio are both set; keep one");
        }
        OptionalLong maxSteps = r.optionalInteger(MAX_STEPS, v -> v >= 1 || v == -1, "a positive integer (or -1 for none)");
        if (maxSteps.isPresent() && maxSteps.getAsLong() == -1) maxSteps = OptionalLong.empty();
        TrainingConfig.Schedule schedule = new TrainingConfig.Schedule(
                r.choice(LR_SCHEDULER, SchedulerKind.COSINE, orderedMap("cosine", SchedulerKind.COSINE, "linear", SchedulerKind.LINEAR,
                        "constant", SchedulerKind.CONSTANT, "constant_with_warmup", SchedulerKind.CONSTANT)),
                warmupRatio, warmupSteps,
                r.number(NUM_EPOCHS, 1.0, v -> v > 0, "> 0"),
                maxSteps,
                (int) r.integer(MICRO_BATCH_SIZE, 1, v -> v >= 1 && v <= 1 << 16, "a positive integer"),
                (int) r.integer(GRADIENT_ACCUMULATION_STEPS, 1, v -> v >= 1 && v <= 1 << 16, "a positive integer"));

        OptionalLong patience = r.optionalInteger(EARLY_STOPPING_PATIENCE, v -> v >= 1, "a positive integer");
        TrainingConfig.Evaluation evaluation = new TrainingConfig.Evaluation(
                (int) r.integer(EVAL_STEPS, 0, v -> v >= 0, ">= 0"),
                (int) r.integer(LOGGING_STEPS, 10, v -> v >= 1, "a positive integer"),
                patience.isPresent() ? OptionalInt.of((int) patience.getAsLong()) : OptionalInt.empty(),
                r.number(EARLY_STOPPING_THRESHOLD, 0.0, v -> v >= 0, ">= 0"));
        if (patience.isPresent() && valSetSize == 0 && data.valFile().isEmpty()) {
            r.problem(EARLY_STOPPING_PATIENCE, "needs evaluation data, but val_set_size is 0 and there is no val_file");
        }

        OptionalLong limit = r.optionalInteger(SAVE_TOTAL_LIMIT, v -> v >= 1, "a positive integer");
        TrainingConfig.Checkpointing checkpointing = new TrainingConfig.Checkpointing(
                Path.of(r.string(OUTPUT_DIR).orElse("./model-out")),
                (int) r.integer(SAVE_STEPS, 500, v -> v >= 0, ">= 0 (0 saves at the end only)"),
                limit.isPresent() ? OptionalInt.of((int) limit.getAsLong()) : OptionalInt.empty(),
                resumeFrom(r), r.bool(OVERWRITE_OUTPUT_DIR, false));

        long seed = r.integer(SEED, 42, v -> true, "an integer");
        problems.addAll(r.unknownKeys(Level.TOP_LEVEL));
        if (!problems.isEmpty()) throw new TrainingConfigException(source, problems);
        return new TrainingConfig(model, data, lora, quantization, optimizer, schedule, evaluation, checkpointing, seed);
    }

    private static List<DatasetSpec> datasets(ConfigReader r, List<String> problems) {
        Optional<JsonNode> raw = r.raw(DATASETS);
        if (raw.isEmpty()) {
            r.problem(DATASETS, "is required (a list of {path, type} entries, or a path)");
            return List.of();
        }
        List<JsonNode> entries = new ArrayList<>();
        if (raw.get().isArray()) raw.get().forEach(entries::add);
        else entries.add(raw.get());
        if (entries.isEmpty()) r.problem(DATASETS, "is an empty list");
        List<DatasetSpec> out = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            JsonNode e = entries.get(i);
            if (e.isTextual()) {
                out.add(DatasetSpec.of(Path.of(e.asText().strip())));
                continue;
            }
            if (!e.isObject()) {
                r.problem(DATASETS, "entry " + i + " must be a path or a mapping {path, type, ...}, got " + ConfigReader.describe(e));
                continue;
            }
            ConfigReader d = new ConfigReader((ObjectNode) e, "datasets[" + i + "].", problems);
            String path = d.requiredString(DATASET_PATH);
            DatasetFormat type = d.choice(DATASET_TYPE, DatasetFormat.AUTO, orderedMap("auto", DatasetFormat.AUTO, "chat", DatasetFormat.CHAT,
                    "chat_template", DatasetFormat.CHAT, "messages", DatasetFormat.CHAT, "prompt_completion", DatasetFormat.PROMPT_COMPLETION,
                    "text", DatasetFormat.TEXT, "csv", DatasetFormat.CSV));
            out.add(new DatasetSpec(Path.of(path), type, d.string(DATASET_FIELD_MESSAGES).orElse("messages"),
                    d.string(DATASET_FIELD_PROMPT).orElse("prompt"), d.string(DATASET_FIELD_COMPLETION).orElse("completion"),
                    d.string(DATASET_FIELD_TEXT).orElse("text"), d.string(DATASET_FIELD_LABEL)));
            problems.addAll(d.unknownKeys(Level.DATASET_ENTRY));
        }
        return out;
    }

    private static LoraTargets targets(ConfigReader r) {
        Optional<List<String>> names = r.stringList(LORA_TARGET_MODULES);
        if (names.isEmpty()) return LoraTargets.llamaDefault();
        List<String> list = names.get();
        if (list.size() == 1 && KeySuggestions.normalise(list.getFirst()).equals("all_linear")) return new LoraTargets.AllLinear();
        if (list.isEmpty()) {
            r.problem(LORA_TARGET_MODULES, "is empty; name modules (q_proj, v_proj, ...) or write all-linear");
            return LoraTargets.llamaDefault();
        }
        return new LoraTargets.Named(list);
    }

    private static ResumeFrom resumeFrom(ConfigReader r) {
        Optional<JsonNode> raw = r.raw(RESUME_FROM_CHECKPOINT);
        if (raw.isEmpty()) return new ResumeFrom.Fresh();
        JsonNode v = raw.get();
        if (v.isBoolean()) return v.booleanValue() ? new ResumeFrom.Latest() : new ResumeFrom.Fresh();
        if (!v.isTextual() || v.asText().isBlank()) {
            r.problem(RESUME_FROM_CHECKPOINT, "expected true, false, latest or a checkpoint directory, got " + ConfigReader.describe(v));
            return new ResumeFrom.Fresh();
        }
        return switch (v.asText().strip().toLowerCase(Locale.ROOT)) {
            case "true", "latest", "yes" -> new ResumeFrom.Latest();
            case "false", "no", "none" -> new ResumeFrom.Fresh();
            default -> new ResumeFrom.Directory(Path.of(v.asText().strip()));
        };
    }

    /** The flat YAML/JSON form of {@code config}: every key with its effective value, reloadable by {@link #fromTree}. */
    public static ObjectNode toTree(TrainingConfig c) {
        ObjectNode t = JsonNodeFactory.instance.objectNode();
        t.put(BASE_MODEL.key(), c.model().baseModel().toString());
        c.model().tokenizer().ifPresent(p -> t.put(TOKENIZER.key(), p.toString()));
        ArrayNode ds = t.putArray(DATASETS.key());
        for (DatasetSpec d : c.data().datasets()) {
            ObjectNode e = ds.addObject();
            e.put(DATASET_PATH.key(), d.path().toString());
            e.put(DATASET_TYPE.key(), lower(d.type()));
            e.put(DATASET_FIELD_MESSAGES.key(), d.fieldMessages());
            e.put(DATASET_FIELD_PROMPT.key(), d.fieldPrompt());
            e.put(DATASET_FIELD_COMPLETION.key(), d.fieldCompletion());
            e.put(DATASET_FIELD_TEXT.key(), d.fieldText());
            d.fieldLabel().ifPresent(l -> e.put(DATASET_FIELD_LABEL.key(), l));
        }
        t.put(VAL_SET_SIZE.key(), c.data().valSetSize());
        c.data().valFile().ifPresent(p -> t.put(VAL_FILE.key(), p.toString()));
        t.put(OUTPUT_DIR.key(), c.checkpointing().outputDir().toString());
        t.put(ADAPTER.key(), lower(c.lora().adapter()));
        t.put(LORA_R.key(), c.lora().r());
        t.put(LORA_ALPHA.key(), c.lora().alpha());
        t.put(LORA_DROPOUT.key(), c.lora().dropout());
        switch (c.lora().targetModules()) {
            case LoraTargets.AllLinear a -> t.put(LORA_TARGET_MODULES.key(), "all-linear");
            case LoraTargets.Named n -> n.modules().forEach(t.putArray(LORA_TARGET_MODULES.key())::add);
        }
        t.put(USE_RSLORA.key(), c.lora().useRslora());
        t.put(USE_DORA.key(), c.lora().useDora());
        if (!c.lora().modulesToSave().isEmpty()) c.lora().modulesToSave().forEach(t.putArray(LORA_MODULES_TO_SAVE.key())::add);
        c.lora().modelDir().ifPresent(p -> t.put(LORA_MODEL_DIR.key(), p.toString()));
        t.put(LOAD_IN_4BIT.key(), c.quantization().loadIn4bit());
        t.put(BNB_4BIT_QUANT_TYPE.key(), lower(c.quantization().quantType()));
        t.put(BNB_4BIT_USE_DOUBLE_QUANT.key(), c.quantization().doubleQuant());
        t.put(LEARNING_RATE.key(), c.optimizer().learningRate());
        t.put(LR_SCHEDULER.key(), lower(c.schedule().lrScheduler()));
        t.put(WARMUP_RATIO.key(), c.schedule().warmupRatio());
        c.schedule().warmupSteps().ifPresent(v -> t.put(WARMUP_STEPS.key(), v));
        t.put(NUM_EPOCHS.key(), c.schedule().numEpochs());
        c.schedule().maxSteps().ifPresent(v -> t.put(MAX_STEPS.key(), v));
        t.put(MICRO_BATCH_SIZE.key(), c.schedule().microBatchSize());
        t.put(GRADIENT_ACCUMULATION_STEPS.key(), c.schedule().gradientAccumulationSteps());
        t.put(SEQUENCE_LEN.key(), c.data().sequenceLen());
        t.put(SAMPLE_PACKING.key(), c.data().samplePacking());
        t.put(TRAIN_ON_INPUTS.key(), c.data().trainOn() == TrainOn.ALL_TOKENS);
        t.put(EXCESS_LENGTH_STRATEGY.key(), lower(c.data().excessLength()));
        t.put(DATASET_EXACT_DEDUPLICATION.key(), c.data().duplicates() == DuplicatePolicy.REMOVE);
        t.put(MAX_GRAD_NORM.key(), c.optimizer().maxGradNorm());
        t.put(WEIGHT_DECAY.key(), c.optimizer().weightDecay());
        t.put(ADAM_BETA1.key(), c.optimizer().beta1());
        t.put(ADAM_BETA2.key(), c.optimizer().beta2());
        t.put(ADAM_EPSILON.key(), c.optimizer().epsilon());
        t.put(SEED.key(), c.seed());
        t.put(EVAL_STEPS.key(), c.evaluation().evalSteps());
        t.put(SAVE_STEPS.key(), c.checkpointing().saveSteps());
        c.checkpointing().saveTotalLimit().ifPresent(v -> t.put(SAVE_TOTAL_LIMIT.key(), v));
        t.put(LOGGING_STEPS.key(), c.evaluation().loggingSteps());
        c.evaluation().earlyStoppingPatience().ifPresent(v -> t.put(EARLY_STOPPING_PATIENCE.key(), v));
        t.put(EARLY_STOPPING_THRESHOLD.key(), c.evaluation().earlyStoppingThreshold());
        t.put(GRADIENT_CHECKPOINTING.key(), c.model().gradientCheckpointing());
        t.put(BF16.key(), c.model().bf16());
        t.put(ON_BAD_LINE.key(), lower(c.data().onBadLine()));
        t.put(OVERWRITE_OUTPUT_DIR.key(), c.checkpointing().overwriteOutputDir());
        switch (c.checkpointing().resumeFrom()) {
            case ResumeFrom.Fresh f -> t.put(RESUME_FROM_CHECKPOINT.key(), false);
            case ResumeFrom.Latest l -> t.put(RESUME_FROM_CHECKPOINT.key(), true);
            case ResumeFrom.Directory d -> t.put(RESUME_FROM_CHECKPOINT.key(), d.checkpoint().toString());
        }
        return t;
    }

    /** {@link #toTree} as YAML text, for writing the effective config next to a run's outputs. */
    public static String toYaml(TrainingConfig config) {
        try {
            return new YAMLMapper().writeValueAsString(toTree(config));
        } catch (IOException e) {
            throw new IllegalStateException("TrainingConfigLoader.toYaml: cannot serialise the config: " + e, e);
        }
    }

    private static String lower(Enum<?> e) { return e.name().toLowerCase(Locale.ROOT); }

    /** A map keeping insertion order, so error messages list the choices as written. */
    private static <E> Map<String, E> orderedMap(Object... namesAndValues) {
        Map<String, E> m = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            @SuppressWarnings("unchecked") E value = (E) namesAndValues[i + 1];
            m.put((String) namesAndValues[i], value);
        }
        return m;
    }
}
