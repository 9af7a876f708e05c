package dev.hone.lora;

import dev.hone.autograd.nn.LinearLayer;
import dev.hone.autograd.nn.Module;
import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.io.SafetensorsWriter;
import dev.hone.tensor.spi.RandomKind;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * A model with LoRA adapters put in place by module path, as PEFT's {@code get_peft_model}: each
 * targeted linear layer is replaced ({@link Module#replace}) by a {@link LoraLinear} around it, every
 * base parameter is frozen except the biases that {@code bias} selects and the modules of
 * {@code modules_to_save}, and only the active adapter's parameters are trainable.
 *
 * <p>Several adapters may share the base: {@link #addAdapter}, {@link #loadAdapter}
 * ({@link PeftAdapterFiles}), {@link #activate}, {@link #disableAdapters} / {@link #enableAdapters} and
 * {@link #withAdapter} switch between them without touching the base weights. Parameter paths stay
 * those of a PEFT model ("model.layers.0.self_attn.q_proj.lora_A.default.weight").
 *
 * <p>Invariants: at most one adapter is active; a layer targeted by one adapter only is a pass-through
 * for the others; modules_to_save are trained in place (no per-adapter copy, unlike PEFT), so at most
 * one adapter may declare them.
 */
public final class LoraModel {

    /** Whether an adapter's parameters are trained when it is active. */
    public enum Use { TRAINING, INFERENCE }

    private record Adapter(LoraConfig config, Use use, List<String> targets) { }

    private final Module model;
    private final String baseModelNameOrPath;
    private final Map<String, Adapter> adapters = new LinkedHashMap<>();
    private String active;
    private boolean disabled;

    private LoraModel(Module model, String baseModelNameOrPath) {
        this.model = model;
        this.baseModelNameOrPath = baseModelNameOrPath;
    }

    /** A model prepared for adapters and not yet changed; {@code baseModelNameOrPath} may be null (unknown). */
    public static LoraModel wrap(Module model, String baseModelNameOrPath) { return new LoraModel(model, baseModelNameOrPath); }

    /** Applies {@code config} as adapter "default" (active, trainable), as PEFT's get_peft_model; new weights from {@code seed}. */
    public static LoraModel apply(Module model, LoraConfig config, long seed) {
        LoraModel lm = new LoraModel(model, config.baseModelNameOrPath());
        lm.addAdapter("default", config, seed);
        lm.activate("default");
        return lm;
    }

    public Module model() { return model; }

    public String baseModelNameOrPath() { return baseModelNameOrPath; }

    public Set<String> adapterNames() { return Set.copyOf(adapters.keySet()); }

    public LoraConfig config(String adapter) { return adapter(adapter).config(); }

    /** Module paths carrying {@code adapter}, in model order. */
    public List<String> targets(String adapter) { return adapter(adapter).targets(); }

    public String activeAdapter() { return active; }

    // ---------------------------------------------------------------- adding adapters

    /**
     * Adds adapter {@code name} with freshly initialised weights (F32, PEFT's default adapter dtype) on every
     * module {@code config} targets; it becomes trainable when activated. Throws listing the
     * target_modules entries that matched no linear layer.
     */
    public void addAdapter(String name, LoraConfig config, long seed) {
        List<String> targets = resolveTargets(config);
        Map<String, LoraLinear.AdapterSettings> plan = new LinkedHashMap<>();
        for (String path : targets) plan.put(path, settingsFor(config, path));
        register(name, config, Use.TRAINING, targets);
        for (String path : targets) {
            LoraLinear layer = wrapped(path);
            LoraLinear.AdapterSettings s = plan.get(path);
            long layerSeed = seed * 1_000_003L + path.hashCode();
            Tensor[] ab = initialWeights(config.initLoraWeights(), s.rank(), layer.inFeatures(), layer.outFeatures(), layerSeed);
            layer.addAdapter(name, s, ab[0], ab[1], null);
        }
        refreshTrainability();
    }

    /** Adds adapter {@code name} whose weights come from an adapter file (see {@link PeftAdapterFiles#load}). */
    void addLoadedAdapter(String name, LoraConfig config, Use use, Map<String, Tensor[]> weightsByPath) {
        List<String> targets = List.copyOf(weightsByPath.keySet());
        register(name, config, use, targets);
        for (String path : targets) {
            Tensor[] w = weightsByPath.get(path);
            wrapped(path).addAdapter(name, settingsFor(config, path), w[0], w[1], w[2]);
        }
        refreshTrainability();
    }

    private void register(String name, LoraConfig config, Use use, List<String> targets) {
        if (adapters.containsKey(name)) throw new IllegalArgumentException("LoraModel: adapter '" + name + "' already exists");
        if (!config.modulesToSave().isEmpty()) {
            for (Map.Entry<String, Adapter> e : adapters.entrySet()) {
                if (!e.getValue().config().modulesToSave().isEmpty()) {
                    throw new IllegalArgumentException("LoraModel: adapter '" + name + "' declares modules_to_save " + config.modulesToSave()
                            + " but adapter '" + e.getKey() + "' already does; Hone trains them in place, so only one adapter may");
                }
            }
        }
        adapters.put(name, new Adapter(config, use, targets));
    }

    static LoraLinear.AdapterSettings settingsFor(LoraConfig config, String path) {
        return new LoraLinear.AdapterSettings(config.rankFor(path), config.alphaFor(path), config.scaleFor(path), config.loraDropout(),
                config.variant());
    }

    /** The layer at {@code path}, wrapped in a LoraLinear if it is not one yet. */
    private LoraLinear wrapped(String path) {
        Module m = model.module(path);
        if (m instanceof LoraLinear l) return l;
        LoraLinear l = new LoraLinear((LinearLayer) m, path.hashCode());
        model.replace(path, l);
        return l;
    }

    /** The linear layers a config targets, and the target_modules names that matched none. */
    record TargetResolution(List<String> found, Set<String> unmatched) {
        boolean complete() { return unmatched.isEmpty() && !found.isEmpty(); }
    }

    /** Paths of the linear layers {@code config} targets; throws naming unmatched target names. */
    List<String> resolveTargets(LoraConfig config) {
        TargetResolution r = findTargets(config);
        if (!r.complete()) throw new IllegalArgumentException(unmatchedMessage(config, r));
        return r.found();
    }

    String unmatchedMessage(LoraConfig config, TargetResolution r) {
        return "LoRA target_modules " + describe(config.targetModules()) + ": " + (r.unmatched().isEmpty() ? "nothing" : r.unmatched())
                + " matched no linear layer of the model (linear layers: " + linearPaths() + ")";
    }

    /** LinearLayer modules (or existing LoRA wrappers) outside any wrapper's internals that {@code config} targets. */
    TargetResolution findTargets(LoraConfig config) {
        List<String> found = new ArrayList<>();
        Set<String> unmatched = new TreeSet<>();
        if (config.targetModules() instanceof TargetModules.Names n) unmatched.addAll(n.names());
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            String path = e.getKey();
            if (path.isEmpty() || insideWrapper(path) || !(e.getValue() instanceof LinearLayer)) continue;
            if (!config.targetModules().matches(path)) continue;
            found.add(path);
            unmatched.removeIf(name -> TargetModules.suffixMatch(path, name));
        }
        return new TargetResolution(found, unmatched);
    }

    private boolean insideWrapper(String path) {
        int dot = path.lastIndexOf('.');
        while (dot > 0) {
            if (model.module(path.substring(0, dot)) instanceof LoraLinear) return true;
            dot = path.lastIndexOf('.', dot - 1);
        }
        return false;
    }

    private List<String> linearPaths() {
        List<String> out = new ArrayList<>();
        model.namedModules().forEach((p, m) -> {
            if (!p.isEmpty() && m instanceof LinearLayer && !insideWrapper(p)) out.add(p);
        });
        return out;
    }

    private static String describe(TargetModules t) {
        return switch (t) {
            case TargetModules.Names n -> n.names().toString();
            case TargetModules.Regex r -> "regex \"" + r.regex() + "\"";
            case TargetModules.AllLinear a -> "\"" + TargetModules.ALL_LINEAR_SHORTHAND + "\"";
        };
    }

    /** A [r, in] and B [out, r] as PEFT initialises them. */
    static Tensor[] initialWeights(LoraConfig.Init init, int r, int in, int out, long seed) {
        double boundA = 1 / Math.sqrt(in);
        return switch (init) {
            case KAIMING_UNIFORM -> new Tensor[] {Ops.random(RandomKind.UNIFORM, seed, -boundA, boundA, DType.F32, r, in), Tensor.zeros(DType.F32, out, r)};
            case GAUSSIAN -> new Tensor[] {Ops.random(RandomKind.NORMAL, seed, 0, 1.0 / r, DType.F32, r, in), Tensor.zeros(DType.F32, out, r)};
            case LINEAR_DEFAULT -> new Tensor[] {Ops.random(RandomKind.UNIFORM, seed, -boundA, boundA, DType.F32, r, in),
                    Ops.random(RandomKind.UNIFORM, seed + 1, -1 / Math.sqrt(r), 1 / Math.sqrt(r), DType.F32, out, r)};
        };
    }

    // ---------------------------------------------------------------- switching

    /** Makes {@code name} the active adapter on every layer (unmerging any other) and enables adapters. */
    public void activate(String name) {
        adapter(name);
        active = name;
        disabled = false;
        applySelection();
    }

    /** Base model only: every LoRA layer passes its input through the base (merged layers are unmerged). */
    public void disableAdapters() {
        disabled = true;
        applySelection();
    }

    public void enableAdapters() {
        disabled = false;
        applySelection();
    }

    /** Runs {@code call} with adapter {@code name} active (null: adapters disabled), then restores the previous selection. */
    public <T> T withAdapter(String name, Supplier<T> call) {
        String previousActive = active;
        boolean previousDisabled = disabled;
        if (name == null) disableAdapters();
        else activate(name);
        try {
            return call.get();
        } finally {
            active = previousActive;
            disabled = previousDisabled;
            applySelection();
        }
    }

    private void applySelection() {
        for (LoraLinear l : layers().values()) {
            String use = disabled || active == null || !l.adapterNames().contains(active) ? null : active;
            l.setActiveAdapter(use);
        }
        refreshTrainability();
    }

    /**
     * Freezes every parameter, then unfreezes the active adapter's (when it is used for training and
     * adapters are enabled), the biases its {@code bias} setting selects, and its modules_to_save.
     */
    private void refreshTrainability() {
        model.trainable(Parameter.Trainability.FROZEN);
        if (active == null || disabled) return;
        Adapter a = adapters.get(active);
        if (a.use() == Use.INFERENCE) return;
        Map<String, LoraLinear> layers = layers();
        for (String path : a.targets()) {
            LoraLinear l = layers.get(path);
            l.loraA(active).setTrainability(Parameter.Trainability.TRAINABLE);
            l.loraB(active).setTrainability(Parameter.Trainability.TRAINABLE);
            if (l.magnitude(active) != null) l.magnitude(active).setTrainability(Parameter.Trainability.TRAINABLE);
        }
        for (Map.Entry<String, Parameter> e : extraSavedParameters(a.config(), a.targets()).entrySet()) {
            e.getValue().setTrainability(Parameter.Trainability.TRAINABLE);
        }
    }

    /**
     * Base parameters saved with an adapter, by their path in the wrapped model (a target's own bias is
     * "P.base_layer.bias" even before P is wrapped): biases per {@code bias}, and every parameter of
     * modules_to_save.
     */
    Map<String, Parameter> extraSavedParameters(LoraConfig config, List<String> targets) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        Map<String, LoraLinear> layers = layers();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            if (isAdapterParameter(e.getKey())) continue;
            String path = wrappedPath(e.getKey(), targets, layers);
            boolean bias = path.endsWith(".bias") || path.equals("bias");
            boolean selectedBias = switch (config.bias()) {
                case NONE -> false;
                case ALL -> bias;
                case LORA_ONLY -> bias && targets.stream().anyMatch(t -> path.equals(t + ".base_layer.bias"));
            };
            if (selectedBias || inModuleToSave(config, path)) out.put(path, e.getValue());
        }
        return out;
    }

    private static String wrappedPath(String parameterPath, List<String> targets, Map<String, LoraLinear> layers) {
        for (String t : targets) {
            if (!layers.containsKey(t) && parameterPath.startsWith(t + ".")) return t + ".base_layer." + parameterPath.substring(t.length() + 1);
        }
        return parameterPath;
    }

    private static boolean inModuleToSave(LoraConfig config, String parameterPath) {
        int dot = parameterPath.lastIndexOf('.');
        while (dot > 0) {
            if (config.isModuleToSave(parameterPath.substring(0, dot))) return true;
            dot = parameterPath.lastIndexOf('.', dot - 1);
        }
        return false;
    }

    static boolean isAdapterParameter(String path) {
        return path.contains(".lora_A.") || path.contains(".lora_B.") || path.contains(".lora_magnitude_vector.");
    }

    // ---------------------------------------------------------------- modes, counts

    /** Dropout on in every LoRA layer (torch's train()). */
    public void train() { layers().values().forEach(l -> l.setMode(LoraLinear.Mode.TRAINING)); }

    /** Dropout off in every LoRA layer (torch's eval()). */
    public void eval() { layers().values().forEach(l -> l.setMode(LoraLinear.Mode.INFERENCE)); }

    /** Sets the training step that, with each layer's seed, determines the dropout masks. */
    public void setStep(long step) { layers().values().forEach(l -> l.setDropoutStep(step)); }

    /** Every LoRA layer by module path. */
    public Map<String, LoraLinear> layers() {
        Map<String, LoraLinear> out = new LinkedHashMap<>();
        model.namedModules().forEach((p, m) -> {
            if (m instanceof LoraLinear l) out.put(p, l);
        });
        return out;
    }

    public long trainableParameterCount() {
        long n = 0;
        for (Parameter p : model.trainableParameters()) n += p.value().numel();
        return n;
    }

    /**
     * PEFT's {@code print_trainable_parameters} line: "trainable params: 1,024 || all params: 123,456 ||
     * trainable%: 0.8294" (thousands separators; percentage rounded half-even on its exact binary value
     * to 4 decimals, as Python's format does).
     */
    public String trainableParametersLine() { return trainableParametersLine(trainableParameterCount(), allParameterCount()); }

    /**
     * Every parameter of the model, counting a linear layer whose weight is not a parameter (a 4-bit base) by
     * its in x out weights, as PEFT counts bitsandbytes' packed Params4bit by the weights they hold.
     */
    public long allParameterCount() {
        long n = model.parameterCount();
        for (Module m : model.namedModules().values()) {
            if (m instanceof LinearLayer linear && !(m instanceof LoraLinear) && !m.namedParameters().containsKey("weight")) {
                n += (long) linear.inFeatures() * linear.outFeatures();
            }
        }
        return n;
    }

    static String trainableParametersLine(long trainable, long all) {
        String percent = new BigDecimal(100.0 * trainable / all).setScale(4, RoundingMode.HALF_EVEN).toPlainString();
        return String.format(Locale.ROOT, "trainable params: %,d || all params: %,d || trainable%%: %s", trainable, all, percent);
    }

    // ---------------------------------------------------------------- merging and export

    /** Merges the active adapter into every dense base weight (forward then costs the base alone). */
    public void merge() { layers().values().forEach(l -> { if (l.activeAdapter() != null) l.merge(); }); }

    public void unmerge() { layers().values().forEach(LoraLinear::unmerge); }

    /**
     * The model's state dict with the active adapter merged, in the base model's own names (no lora keys,
     * "q_proj.weight" rather than "q_proj.base_layer.weight"): what PEFT's merge_and_unload().state_dict()
     * gives. New tensors for merged weights are made in the current scope.
     */
    public Map<String, Tensor> mergedStateDict() {
        Map<String, LoraLinear> layers = layers();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            String path = e.getKey();
            if (isAdapterParameter(path)) continue;
            int at = path.indexOf(".base_layer.");
            if (at < 0) {
                out.put(path, e.getValue());
                continue;
            }
            String layerPath = path.substring(0, at);
            String rest = path.substring(at + ".base_layer.".length());
            LoraLinear l = layers.get(layerPath);
            String use = adapterToMerge(l);
            out.put(layerPath + "." + rest, use != null && rest.equals("weight") ? l.mergedWeight(use) : e.getValue());
        }
        addDenseWeightsOfLayersWithoutWeightParameter(layers, out);
        return out;
    }

    /** True for the modules a LoRA wrapper holds (its base layer, lora_A, lora_B, ...), which are exported through the wrapper. */
    private static boolean insideAdaptedLayer(String path, Map<String, LoraLinear> layers) {
        for (int dot = path.lastIndexOf('.'); dot > 0; dot = path.lastIndexOf('.', dot - 1)) {
            if (layers.containsKey(path.substring(0, dot))) return true;
        }
        return false;
    }

    /** The adapter whose update goes into {@code l}'s exported weight, or null when the base weight is exported as is. */
    private String adapterToMerge(LoraLinear l) {
        return l.isMerged() || disabled || active == null || !l.adapterNames().contains(active) ? null : active;
    }

    /**
     * Linear layers whose weight is not a parameter (a 4-bit base, wrapped or not) still need a dense
     * "path.weight" (and "path.bias") in an exported checkpoint: the merged or recovered dense values, in F32.
     */
    private void addDenseWeightsOfLayersWithoutWeightParameter(Map<String, LoraLinear> layers, Map<String, Tensor> out) {
        for (Map.Entry<String, Module> m : model.namedModules().entrySet()) {
            String path = m.getKey();
            if (!(m.getValue() instanceof LinearLayer linear) || insideAdaptedLayer(path, layers) || out.containsKey(path + ".weight")) continue;
            LoraLinear wrapped = layers.get(path);
            LinearLayer base = wrapped == null ? linear : wrapped.base();
            String use = wrapped == null ? null : adapterToMerge(wrapped);
            BaseWeights dense = BaseWeights.of(base, DType.F32);
            out.put(path + ".weight", use != null ? wrapped.mergedWeight(use) : dense.weight());
            boolean hasBias = base instanceof Module mod && mod.namedParameters().containsKey("bias");
            if (hasBias && !out.containsKey(path + ".bias")) out.put(path + ".bias", dense.bias());
        }
    }

    /** Writes the merged model (see {@link #mergedStateDict}) as a Hugging Face safetensors file, metadata {"format": "pt"}. */
    public void exportMerged(Path file) {
        try (Scope _ = Scope.open()) {
            SafetensorsWriter.write(file, mergedStateDict(), Map.of("format", "pt"));
        }
    }

    // ---------------------------------------------------------------- PEFT adapter directories

    /** Saves {@code adapter} as a PEFT adapter directory ({@link PeftAdapterFiles#save}). */
    public void saveAdapter(String adapter, Path dir) { PeftAdapterFiles.save(this, adapter, dir); }

    /** Loads a PEFT adapter directory as {@code name} ({@link PeftAdapterFiles#load}); its weights live in the current scope. */
    public void loadAdapter(Path dir, String name, Use use) { PeftAdapterFiles.load(this, dir, name, use); }

    /** PEFT's PeftModel.from_pretrained: {@code model} with the adapter in {@code dir} loaded as "default" and active. */
    public static LoraModel fromPretrained(Module model, String baseModelNameOrPath, Path dir, Use use) {
        LoraModel lm = new LoraModel(model, baseModelNameOrPath);
        lm.loadAdapter(dir, "default", use);
        lm.activate("default");
        return lm;
    }

    private Adapter adapter(String name) {
        Adapter a = adapters.get(name);
        if (a == null) throw new IllegalArgumentException("LoraModel: no adapter '" + name + "' (adapters: " + adapters.keySet() + ")");
        return a;
    }

    Use use(String adapter) { return adapter(adapter).use(); }
}
