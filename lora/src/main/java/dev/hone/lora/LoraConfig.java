package dev.hone.lora;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A LoRA adapter's hyper-parameters, field for field as Hugging Face PEFT's {@code LoraConfig}
 * (peft/tuners/lora/config.py) and its adapter_config.json: rank {@code r}, {@code lora_alpha},
 * {@code lora_dropout}, {@code target_modules}, {@code bias}, {@code use_rslora} ({@link Scaling}),
 * {@code use_dora} ({@link Variant}), {@code modules_to_save}, {@code init_lora_weights}
 * ({@link Init}), {@code rank_pattern} / {@code alpha_pattern}, {@code base_model_name_or_path},
 * {@code task_type}.
 *
 * <p>Scale: alpha / r, or alpha / sqrt(r) with rank-stabilised scaling (Kalajdzievski 2023). Per-module
 * rank and alpha come from the first pattern key (in insertion order) that matches the module path as
 * PEFT's {@code get_pattern_key} does: {@code re.match(r"(.*\.)?(KEY)$", path)}.
 *
 * <p>Invariants: r >= 1, alpha > 0 (finite), 0 <= dropout < 1, pattern ranks >= 1.
 */
public record LoraConfig(int r, double loraAlpha, double loraDropout, TargetModules targetModules, Bias bias, Scaling scaling,
                         Variant variant, List<String> modulesToSave, Init initLoraWeights, Map<String, Integer> rankPattern,
                         Map<String, Double> alphaPattern, String baseModelNameOrPath, String taskType) {

    /** PEFT's {@code bias}: which base biases are trained and saved with the adapter. */
    public enum Bias {
        NONE("none"), ALL("all"), LORA_ONLY("lora_only");

        private final String json;

        Bias(String json) { this.json = json; }

        public String json() { return json; }

        public static Bias parse(String s) {
            for (Bias b : values()) if (b.json.equals(s)) return b;
            throw new IllegalArgumentException("bias: expected \"none\", \"all\" or \"lora_only\", got \"" + s + "\"");
        }
    }

    /** {@code use_rslora}: scale alpha / r (STANDARD) or alpha / sqrt(r) (RANK_STABILIZED). */
    public enum Scaling { STANDARD, RANK_STABILIZED }

    /** {@code use_dora}: plain LoRA, or weight-decomposed LoRA (Liu et al. 2024) with a learned magnitude per output row. */
    public enum Variant { LORA, DORA }

    /**
     * {@code init_lora_weights}: KAIMING_UNIFORM (JSON true) draws A ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming
     * uniform with a = sqrt(5)) and B = 0; GAUSSIAN ("gaussian") draws A ~ N(0, std 1/r) and B = 0;
     * LINEAR_DEFAULT (false) leaves both as torch.nn.Linear initialises them (B nonzero, for tests).
     */
    public enum Init { KAIMING_UNIFORM, GAUSSIAN, LINEAR_DEFAULT }

    /** PEFT's task type for decoder-only language models, the only one Hone writes. */
    public static final String CAUSAL_LM = "CAUSAL_LM";

    public LoraConfig {
        if (r < 1) throw new IllegalArgumentException("LoraConfig: r must be >= 1, got " + r);
        if (!(loraAlpha > 0) || Double.isInfinite(loraAlpha)) throw new IllegalArgumentException("LoraConfig: lora_alpha must be > 0, got " + loraAlpha);
        if (!(loraDropout >= 0 && loraDropout < 1)) throw new IllegalArgumentException("LoraConfig: lora_dropout must be in [0, 1), got " + loraDropout);
        if (targetModules == null) throw new IllegalArgumentException("LoraConfig: target_modules is required");
        rankPattern.forEach((k, v) -> {
            if (v < 1) throw new IllegalArgumentException("LoraConfig: rank_pattern '" + k + "' -> " + v + " must be >= 1");
        });
        modulesToSave = List.copyOf(modulesToSave);
        rankPattern = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rankPattern));
        alphaPattern = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(alphaPattern));
    }

    public static Builder builder() { return new Builder(); }

    /** A builder initialised from this config. */
    public Builder toBuilder() {
        return new Builder().r(r).loraAlpha(loraAlpha).loraDropout(loraDropout).targetModules(targetModules).bias(bias).scaling(scaling)
                .variant(variant).modulesToSave(modulesToSave).initLoraWeights(initLoraWeights).rankPattern(rankPattern)
                .alphaPattern(alphaPattern).baseModelNameOrPath(baseModelNameOrPath).taskType(taskType);
    }

    /** The rank of the adapter on the module at {@code path} (rank_pattern, else r). */
    public int rankFor(String path) {
        String key = patternKey(rankPattern.keySet(), path);
        return key == null ? r : rankPattern.get(key);
    }

    /** The alpha of the adapter on the module at {@code path} (alpha_pattern, else lora_alpha). */
    public double alphaFor(String path) {
        String key = patternKey(alphaPattern.keySet(), path);
        return key == null ? loraAlpha : alphaPattern.get(key);
    }

    /** The factor multiplying B·A on the module at {@code path}. */
    public double scaleFor(String path) {
        int rank = rankFor(path);
        double alpha = alphaFor(path);
        return scaling == Scaling.RANK_STABILIZED ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    /** Whether {@code path} names a module of {@code modules_to_save} (exact or dotted-suffix match). */
    public boolean isModuleToSave(String path) {
        for (String m : modulesToSave) if (TargetModules.suffixMatch(path, m)) return true;
        return false;
    }

    private static String patternKey(Iterable<String> keys, String path) {
        for (String key : keys) if (Pattern.compile("(.*\\.)?(" + key + ")").matcher(path).matches()) return key;
        return null;
    }

    /** Builder with PEFT's defaults: r 8, alpha 8, dropout 0, bias none, standard scaling, plain LoRA, kaiming init, CAUSAL_LM. */
    public static final class Builder {
        private int r = 8;
        private double loraAlpha = 8;
        private double loraDropout;
        private TargetModules targetModules;
        private Bias bias = Bias.NONE;
        private Scaling scaling = Scaling.STANDARD;
        private Variant variant = Variant.LORA;
        private List<String> modulesToSave = List.of();
        private Init init = Init.KAIMING_UNIFORM;
        private Map<String, Integer> rankPattern = Map.of();
        private Map<String, Double> alphaPattern = Map.of();
        private String baseModelNameOrPath;
        private String taskType = CAUSAL_LM;

        public Builder r(int v) { r = v; return this; }
        public Builder loraAlpha(double v) { loraAlpha = v; return this; }
        public Builder loraDropout(double v) { loraDropout = v; return this; }
        public Builder targetModules(TargetModules v) { targetModules = v; return this; }
        public Builder targetModules(String... names) { targetModules = new TargetModules.Names(List.of(names)); return this; }
        public Builder allLinear() { targetModules = new TargetModules.AllLinear(); return this; }
        public Builder bias(Bias v) { bias = v; return this; }
        public Builder scaling(Scaling v) { scaling = v; return this; }
        public Builder variant(Variant v) { variant = v; return this; }
        public Builder modulesToSave(List<String> v) { modulesToSave = v; return this; }
        public Builder initLoraWeights(Init v) { init = v; return this; }
        public Builder rankPattern(Map<String, Integer> v) { rankPattern = v; return this; }
        public Builder alphaPattern(Map<String, Double> v) { alphaPattern = v; return this; }
        public Builder baseModelNameOrPath(String v) { baseModelNameOrPath = v; return this; }
        public Builder taskType(String v) { taskType = v; return this; }

        public LoraConfig build() {
            return new LoraConfig(r, loraAlpha, loraDropout, targetModules, bias, scaling, variant, modulesToSave, init, rankPattern,
                    alphaPattern, baseModelNameOrPath, taskType);
        }
    }
}
