package dev.hone.transformer.sft;

import dev.hone.autograd.optim.AdamW;
import dev.hone.lora.LoraConfig;
import dev.hone.quant.QuantSpec;
import dev.hone.transformer.chat.ChatTemplate;
import dev.hone.transformer.chat.ChatTemplates;
import dev.hone.transformer.data.SftDataConfig;
import dev.hone.transformer.model.ActivationCheckpointing;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.tokenizer.Tokenizer;
import dev.hone.transformer.train.checkpoint.CheckpointPayload;
import dev.hone.transformer.train.config.AdapterKind;
import dev.hone.transformer.train.config.ResumeFrom;
import dev.hone.transformer.train.config.SchedulerKind;
import dev.hone.transformer.train.monitor.ProgressReporter;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;

/**
 * Supervised fine-tuning of a Llama-family model, usable from Java in a few lines:
 * <pre>{@code
 * FitResult result = Trainer.builder()
 *         .model(model, tokenizer)
 *         .data(SftDataConfig.defaults(DataSource.of(Path.of("train.jsonl")), 512))
 *         .adapter(AdapterKind.QLORA, LoraConfig.builder().r(16).loraAlpha(32).allLinear().build())
 *         .learningRate(2e-3).maxSteps(200).microBatchSize(4)
 *         .outputDir(Path.of("runs/my-run"))
 *         .build().fit();
 * }</pre>
 * The loop ({@link TrainingRun}): AdamW on the trainable parameters; each optimizer step accumulates
 * {@code gradientAccumulationSteps} micro-batches whose sum-reduced cross-entropy is divided by the number of
 * scored tokens of the whole step (so every scored token weighs the same whatever its micro-batch); global-norm
 * clipping; a constant, linear or cosine schedule with warm-up; evaluation, early stopping, atomic checkpoints and
 * resuming that reproduces the uninterrupted loss curve exactly. Defaults follow PEFT/TRL where they exist.
 */
public final class Trainer {

    /** Whether the starting model is evaluated too, for the before/after comparison. */
    public enum BaseEvaluation { BEFORE_AND_AFTER, AFTER_ONLY }

    /** Every setting of a run; built by {@link Builder}. */
    record Settings(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, SftDataConfig data, AdapterKind adapter, LoraConfig lora,
                    Optional<Path> startAdapter, QuantSpec quantSpec, double learningRate, AdamW.Config adamW, double maxGradNorm, SchedulerKind scheduler, double warmupRatio,
                    OptionalLong warmupSteps, double numEpochs, OptionalLong maxSteps, int microBatchSize, int gradientAccumulationSteps,
                    long seed, ActivationCheckpointing activationCheckpointing, int evalSteps, int loggingSteps, int saveSteps,
                    OptionalInt saveTotalLimit, OptionalInt earlyStoppingPatience, double earlyStoppingThreshold, Path outputDir,
                    ResumeFrom resumeFrom, boolean overwriteOutputDir, Optional<String> labelKey, int accuracyExamples, int sampleGenerations,
                    Optional<Path> forgettingText, int forgettingTokens, BaseEvaluation baseEvaluation, PrintStream out,
                    Optional<Duration> logLineInterval, UnaryOperator<CheckpointPayload> payloadDecorator, Optional<String> effectiveConfig) {

        /** Optimizer steps in one epoch of {@code microBatchesPerEpoch} (a short last accumulation still makes a step). */
        long stepsPerEpoch(long microBatchesPerEpoch) {
            return Math.max(1, (microBatchesPerEpoch + gradientAccumulationSteps - 1) / gradientAccumulationSteps);
        }

        long totalSteps(long microBatchesPerEpoch) {
            return maxSteps.orElse(Math.max(1, (long) Math.ceil(numEpochs * stepsPerEpoch(microBatchesPerEpoch))));
        }
    }

    private final Settings settings;

    private Trainer(Settings settings) { this.settings = settings; }

    public static Builder builder() { return new Builder(); }

    /**
     * Runs the fine-tuning: prepares the data and the adapter, evaluates the starting model, trains (resuming
     * when asked), evaluates again, writes the adapter, metrics, loss curve and summary under the output
     * directory, and returns the result. The model is changed in place (adapters added, or weights trained).
     */
    public FitResult fit() { return new TrainingRun(settings).fit(); }

    /** Collects the settings; only {@code model}, {@code data} and {@code outputDir} are required. */
    public static final class Builder {
        private LlamaModel model;
        private Tokenizer tokenizer;
        private ChatTemplate template;
        private SftDataConfig data;
        private AdapterKind adapter = AdapterKind.LORA;
        private LoraConfig lora;
        private Optional<Path> startAdapter = Optional.empty();
        private QuantSpec quantSpec = QuantSpec.qlora();
        private double learningRate = 2e-4;
        private AdamW.Config adamW = AdamW.Config.DEFAULTS.withWeightDecay(0);
        private double maxGradNorm = 1.0;
        private SchedulerKind scheduler = SchedulerKind.COSINE;
        private double warmupRatio;
        private OptionalLong warmupSteps = OptionalLong.empty();
        private double numEpochs = 1;
        private OptionalLong maxSteps = OptionalLong.empty();
        private int microBatchSize = 1;
        private int gradientAccumulationSteps = 1;
        private long seed = 42;
        private ActivationCheckpointing activationCheckpointing = ActivationCheckpointing.NONE;
        private int evalSteps;
        private int loggingSteps = 1;
        private int saveSteps;
        private OptionalInt saveTotalLimit = OptionalInt.empty();
        private OptionalInt earlyStoppingPatience = OptionalInt.empty();
        private double earlyStoppingThreshold;
        private Path outputDir;
        private ResumeFrom resumeFrom = new ResumeFrom.Fresh();
        private boolean overwriteOutputDir;
        private Optional<String> labelKey = Optional.empty();
        private int accuracyExamples = 100;
        private int sampleGenerations = 3;
        private Optional<Path> forgettingText = Optional.empty();
        private int forgettingTokens = 4096;
        private BaseEvaluation baseEvaluation = BaseEvaluation.BEFORE_AND_AFTER;
        private PrintStream out = System.out;
        private Optional<Duration> logLineInterval = Optional.empty();
        private UnaryOperator<CheckpointPayload> payloadDecorator = UnaryOperator.identity();
        private Optional<String> effectiveConfig = Optional.empty();

        private Builder() { }

        /** The model to fine-tune (changed in place) and its tokenizer; the chat template defaults to the tokenizer's. */
        public Builder model(LlamaModel model, Tokenizer tokenizer) {
            this.model = model;
            this.tokenizer = tokenizer;
            return this;
        }

        public Builder chatTemplate(ChatTemplate v) { template = v; return this; }
        /** The data files and their preparation (sequence length, packing, split, seed of split and shuffling). */
        public Builder data(SftDataConfig v) { data = v; return this; }
        /** LoRA, QLoRA (4-bit NF4 base, {@link QuantSpec#qlora()}) or full fine-tuning, with the LoRA settings (ignored for full). */
        public Builder adapter(AdapterKind kind, LoraConfig config) { adapter = kind; lora = config; return this; }
        public Builder fullFineTuning() { adapter = AdapterKind.FULL; return this; }
        /**
         * Goes on training the PEFT adapter saved in {@code dir} (PEFT's {@code is_trainable=True}, Axolotl's
         * {@code lora_model_dir}) instead of a fresh one: its adapter_config.json sets r, alpha and the target modules,
         * overriding the LoRA settings given to {@link #adapter}. Needs a LoRA or QLoRA kind.
         */
        public Builder startFromAdapter(Path dir) { startAdapter = Optional.of(dir); return this; }
        public Builder quantization(QuantSpec v) { quantSpec = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder adamW(AdamW.Config v) { adamW = v; return this; }
        /** Global gradient-norm clipping threshold; 0 turns clipping off. */
        public Builder maxGradNorm(double v) { maxGradNorm = v; return this; }
        public Builder scheduler(SchedulerKind v) { scheduler = v; return this; }
        public Builder warmupRatio(double v) { warmupRatio = v; warmupSteps = OptionalLong.empty(); return this; }
        public Builder warmupSteps(long v) { warmupSteps = OptionalLong.of(v); return this; }
        public Builder numEpochs(double v) { numEpochs = v; return this; }
        public Builder maxSteps(long v) { maxSteps = OptionalLong.of(v); return this; }
        public Builder microBatchSize(int v) { microBatchSize = v; return this; }
        public Builder gradientAccumulationSteps(int v) { gradientAccumulationSteps = v; return this; }
        /** Seed of the adapter initialisation and dropout (the data's own seed is in its config). */
        public Builder seed(long v) { seed = v; return this; }
        public Builder activationCheckpointing(ActivationCheckpointing v) { activationCheckpointing = v; return this; }
        /** Evaluate every {@code v} optimizer steps; 0 evaluates at each epoch's end only. Always at the end. */
        public Builder evalSteps(int v) { evalSteps = v; return this; }
        public Builder loggingSteps(int v) { loggingSteps = v; return this; }
        /** Checkpoint every {@code v} optimizer steps; 0 only at the end. Always at the end. */
        public Builder saveSteps(int v) { saveSteps = v; return this; }
        public Builder saveTotalLimit(int v) { saveTotalLimit = OptionalInt.of(v); return this; }
        public Builder earlyStopping(int patience, double threshold) {
            earlyStoppingPatience = OptionalInt.of(patience);
            earlyStoppingThreshold = threshold;
            return this;
        }
        public Builder outputDir(Path v) { outputDir = v; return this; }
        public Builder resumeFrom(ResumeFrom v) { resumeFrom = v; return this; }
        /**
         * Whether a fresh run may start in an output directory holding an earlier run's checkpoints, deleting them
         * (transformers' {@code overwrite_output_dir}); by default it is refused before anything is touched.
         */
        public Builder overwriteOutputDir(boolean v) { overwriteOutputDir = v; return this; }
        /** Metadata key of a class label (e.g. "intent"): enables exact-match and label accuracy on {@code examples} validation prompts. */
        public Builder labelAccuracy(String key, int examples) { labelKey = Optional.of(key); accuracyExamples = examples; return this; }
        /** How many validation prompts get a sample generation printed before and after training. */
        public Builder sampleGenerations(int v) { sampleGenerations = v; return this; }
        /** Perplexity of the first {@code tokens} tokens of {@code file} before and after (catastrophic-forgetting check). */
        public Builder forgettingCheck(Path file, int tokens) { forgettingText = Optional.of(file); forgettingTokens = tokens; return this; }
        public Builder baseEvaluation(BaseEvaluation v) { baseEvaluation = v; return this; }
        /** Where messages, the summary and (with {@link #logLines}) progress lines go. */
        public Builder out(PrintStream v) { out = v; return this; }
        /** Progress as plain lines on {@link #out} at most every {@code interval} instead of detecting a terminal. */
        public Builder logLines(Duration interval) { logLineInterval = Optional.of(interval); return this; }

        /** The run's config as YAML, written to {@code config.yaml} in the output directory when the run starts. */
        public Builder effectiveConfig(String yaml) { effectiveConfig = Optional.of(yaml); return this; }

        /** Test hook: wraps the checkpoint payload (e.g. to simulate a full disk while a checkpoint is written). */
        Builder decoratePayload(UnaryOperator<CheckpointPayload> v) { payloadDecorator = v; return this; }

        public Trainer build() {
            Objects.requireNonNull(model, "Trainer: model(...) is required");
            Objects.requireNonNull(tokenizer, "Trainer: model(model, tokenizer) needs a tokenizer");
            Objects.requireNonNull(data, "Trainer: data(...) is required");
            Objects.requireNonNull(outputDir, "Trainer: outputDir(...) is required");
            check(learningRate > 0 && Double.isFinite(learningRate), "learning rate " + learningRate + " must be > 0");
            check(maxGradNorm >= 0, "max_grad_norm " + maxGradNorm + " must be >= 0");
            check(warmupRatio >= 0 && warmupRatio < 1, "warmup_ratio " + warmupRatio + " must be in [0, 1)");
            check(numEpochs > 0, "num_epochs " + numEpochs + " must be > 0");
            check(maxSteps.orElse(1) >= 1, "max_steps " + maxSteps + " must be >= 1");
            check(microBatchSize >= 1 && gradientAccumulationSteps >= 1, "micro_batch_size " + microBatchSize
                    + " and gradient_accumulation_steps " + gradientAccumulationSteps + " must be >= 1");
            check(evalSteps >= 0 && saveSteps >= 0 && loggingSteps >= 1, "eval_steps " + evalSteps + " and save_steps " + saveSteps
                    + " must be >= 0, logging_steps " + loggingSteps + " >= 1");
            check(accuracyExamples >= 0 && sampleGenerations >= 0 && forgettingTokens >= 2, "accuracy examples, sample generations and forgetting tokens");
            check(startAdapter.isEmpty() || adapter != AdapterKind.FULL, "an adapter to go on training (" + startAdapter.orElse(null)
                    + ") needs a LoRA or QLoRA run, not full fine-tuning");
            LoraConfig loraConfig = lora != null ? lora : LoraConfig.builder().r(8).loraAlpha(16).allLinear().build();
            return new Trainer(new Settings(model, tokenizer, template != null ? template : ChatTemplates.forTokenizer(tokenizer), data, adapter,
                    loraConfig, startAdapter, quantSpec, learningRate, adamW, maxGradNorm, scheduler, warmupRatio, warmupSteps, numEpochs, maxSteps,
                    microBatchSize, gradientAccumulationSteps, seed, activationCheckpointing, evalSteps, loggingSteps, saveSteps, saveTotalLimit,
                    earlyStoppingPatience, earlyStoppingThreshold, outputDir, resumeFrom, overwriteOutputDir, labelKey, accuracyExamples, sampleGenerations,
                    forgettingText, forgettingTokens, baseEvaluation, out, logLineInterval, payloadDecorator,
                    effectiveConfig));
        }

        private static void check(boolean ok, String what) {
            if (!ok) throw new IllegalArgumentException("Trainer.build: " + what);
        }
    }

    /** The progress display for a run starting at {@code startStep} of {@code total}. */
    static ProgressReporter progress(Settings s, long total, long startStep) {
        return s.logLineInterval().map(interval -> ProgressReporter.logLines(startStep, s.out(), interval))
                .orElseGet(() -> ProgressReporter.forThisProcess("finetune", total, startStep));
    }
}
