package dev.hone.transformer.train.config;

import dev.hone.autograd.optim.AdamW;
import dev.hone.autograd.optim.LearningRateSchedule;
import dev.hone.transformer.data.DuplicatePolicy;
import dev.hone.transformer.data.MalformedInputPolicy;
import dev.hone.transformer.data.OverlongPolicy;
import dev.hone.transformer.data.TrainOn;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A fine-tuning run's settings, grouped by concern; each component maps to one flat YAML/JSON key of
 * {@link ConfigKey} (Axolotl/TRL names, documented there with their defaults). Built and validated by
 * {@link TrainingConfigLoader}, which is the only place defaults live; the records here hold values that
 * already passed validation, plus the arithmetic derived from them (step counts, warm-up, LoRA scale).
 */
public record TrainingConfig(Model model, Data data, Lora lora, Quantization quantization, Optimizer optimizer,
                             Schedule schedule, Evaluation evaluation, Checkpointing checkpointing, long seed) {

    /** {@code base_model}, {@code tokenizer}, {@code gradient_checkpointing}, {@code bf16}. */
    public record Model(Path baseModel, Optional<Path> tokenizer, boolean gradientCheckpointing, boolean bf16) { }

    /**
     * {@code datasets}, {@code val_set_size}, {@code val_file}, {@code sequence_len}, {@code sample_packing},
     * {@code train_on_inputs}, {@code excess_length_strategy}, {@code dataset_exact_deduplication}, {@code on_bad_line}.
     */
    public record Data(List<DatasetSpec> datasets, double valSetSize, Optional<Path> valFile, int sequenceLen,
                       boolean samplePacking, TrainOn trainOn, OverlongPolicy excessLength, DuplicatePolicy duplicates,
                       MalformedInputPolicy onBadLine) {
        public Data { datasets = List.copyOf(datasets); }

        /**
         * How many of {@code examples} go to validation: 0 with a {@code val_file}; a fraction rounds up as in
         * Hugging Face datasets' {@code train_test_split} (ceil(size * n)); a count is taken as is. At least one
         * example must stay for training.
         */
        public int validationCount(int examples) {
            if (valFile.isPresent() || valSetSize == 0) return 0;
            long n = valSetSize < 1 ? (long) Math.ceil(valSetSize * examples) : (long) valSetSize;
            if (n >= examples) {
                throw new IllegalArgumentException("val_set_size " + valSetSize + " takes " + n + " of " + examples
                        + " examples for validation, leaving none for training; lower val_set_size or add data");
            }
            return (int) n;
        }
    }

    /**
     * {@code adapter}, {@code lora_r}, {@code lora_alpha}, {@code lora_dropout}, {@code lora_target_modules}, {@code use_rslora},
     * {@code use_dora}, {@code lora_modules_to_save}, {@code lora_model_dir} (an adapter to go on training).
     */
    public record Lora(AdapterKind adapter, int r, double alpha, double dropout, LoraTargets targetModules,
                       boolean useRslora, boolean useDora, List<String> modulesToSave, Optional<Path> modelDir) {
        public Lora {
            modulesToSave = List.copyOf(modulesToSave);
        }

        /** The factor on B·A: alpha / r, or alpha / sqrt(r) for rank-stabilised LoRA (as PEFT). */
        public double scale() { return useRslora ? alpha / Math.sqrt(r) : alpha / r; }
    }

    /** {@code load_in_4bit}, {@code bnb_4bit_quant_type}, {@code bnb_4bit_use_double_quant}. */
    public record Quantization(boolean loadIn4bit, QuantType quantType, boolean doubleQuant) { }

    /** {@code learning_rate}, {@code weight_decay}, {@code adam_beta1}, {@code adam_beta2}, {@code adam_epsilon}, {@code max_grad_norm}. */
    public record Optimizer(double learningRate, double weightDecay, double beta1, double beta2, double epsilon,
                            double maxGradNorm) {
        public AdamW.Config adamW() { return new AdamW.Config(beta1, beta2, epsilon, weightDecay); }

        /** The clipping threshold, absent when {@code max_grad_norm} is 0. */
        public OptionalDouble clipNorm() { return maxGradNorm > 0 ? OptionalDouble.of(maxGradNorm) : OptionalDouble.empty(); }
    }

    /**
     * {@code lr_scheduler}, {@code warmup_ratio}, {@code warmup_steps}, {@code num_epochs}, {@code max_steps},
     * {@code micro_batch_size}, {@code gradient_accumulation_steps}.
     */
    public record Schedule(SchedulerKind lrScheduler, double warmupRatio, OptionalLong warmupSteps, double numEpochs,
                           OptionalLong maxSteps, int microBatchSize, int gradientAccumulationSteps) {

        /** Optimizer steps in one epoch of {@code microBatchesPerEpoch}: a short last accumulation still makes a step. */
        public long stepsPerEpoch(long microBatchesPerEpoch) {
            return Math.max(1, ceilDiv(microBatchesPerEpoch, gradientAccumulationSteps));
        }

        /** All optimizer steps of the run: {@code max_steps} when set, else ceil(num_epochs * steps per epoch) (as Hugging Face's Trainer). */
        public long totalSteps(long microBatchesPerEpoch) {
            if (maxSteps.isPresent()) return maxSteps.getAsLong();
            return Math.max(1, (long) Math.ceil(numEpochs * stepsPerEpoch(microBatchesPerEpoch)));
        }

        /** {@code warmup_steps} when set, else ceil(warmup_ratio * total) (Hugging Face's get_warmup_steps). */
        public long warmupSteps(long totalSteps) {
            return warmupSteps.orElse((long) Math.ceil(warmupRatio * totalSteps));
        }

        /** The learning rate for each optimizer step of a run of {@code totalSteps} peaking at {@code peak}. */
        public LearningRateSchedule learningRateSchedule(double peak, long totalSteps) {
            long warmup = warmupSteps(totalSteps);
            return switch (lrScheduler) {
                case COSINE -> new LearningRateSchedule.CosineWithWarmup(peak, warmup, totalSteps);
                case LINEAR -> new LearningRateSchedule.LinearWithWarmup(peak, warmup, totalSteps);
                // get_constant_schedule_with_warmup: a cosine of 0 cycles is exactly the peak after warm-up
                case CONSTANT -> warmup == 0 ? new LearningRateSchedule.Constant(peak)
                        : new LearningRateSchedule.CosineWithWarmup(peak, warmup, totalSteps, 0.0);
            };
        }

        /** Sequences per optimizer step. */
        public long effectiveBatchSize() { return (long) microBatchSize * gradientAccumulationSteps; }

        private static long ceilDiv(long a, long b) { return (a + b - 1) / b; }
    }

    /** {@code eval_steps}, {@code logging_steps}, {@code early_stopping_patience}, {@code early_stopping_threshold}. */
    public record Evaluation(int evalSteps, int loggingSteps, OptionalInt earlyStoppingPatience, double earlyStoppingThreshold) { }

    /** {@code output_dir}, {@code save_steps}, {@code save_total_limit}, {@code resume_from_checkpoint}. */
    public record Checkpointing(Path outputDir, int saveSteps, OptionalInt saveTotalLimit, ResumeFrom resumeFrom, boolean overwriteOutputDir) { }
}
