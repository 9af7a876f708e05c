package dev.hone.transformer.sft;

import dev.hone.lora.LoraConfig;
import dev.hone.lora.TargetModules;
import dev.hone.quant.AbsmaxEncoding;
import dev.hone.quant.QuantFormat;
import dev.hone.quant.QuantSpec;
import dev.hone.tensor.DType;
import dev.hone.transformer.data.CsvColumns;
import dev.hone.transformer.data.DataSource;
import dev.hone.transformer.data.JsonlFields;
import dev.hone.transformer.data.JsonlFormat;
import dev.hone.transformer.data.Packing;
import dev.hone.transformer.data.SftDataConfig;
import dev.hone.transformer.data.ValidationSize;
import dev.hone.transformer.model.ActivationCheckpointing;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.tokenizer.Tokenizer;
import dev.hone.transformer.train.config.DatasetFormat;
import dev.hone.transformer.train.config.DatasetSpec;
import dev.hone.transformer.train.config.LoraTargets;
import dev.hone.transformer.train.config.QuantType;
import dev.hone.transformer.train.config.TrainingConfig;
import dev.hone.transformer.train.config.TrainingConfigLoader;

import java.util.List;
import java.util.Optional;

/**
 * A {@link Trainer.Builder} from a validated {@link TrainingConfig} (the YAML/JSON keys of {@code hone finetune}):
 * loads the base model (BF16 with {@code bf16: true}) and tokenizer into the current scope and maps every key
 * onto the builder. Exact-match accuracy is switched on when a dataset names a {@code field_label}. Callers add
 * what the config file does not hold (the forgetting-check text, the output stream) before {@code build()}.
 */
public final class ConfiguredRun {
    private ConfiguredRun() { }

    public static Trainer.Builder builder(TrainingConfig c, int accuracyExamples) {
        LlamaModel model = BaseModels.load(c.model().baseModel(), c.model().bf16() ? DType.BF16 : DType.F32);
        Tokenizer tokenizer = BaseModels.tokenizer(c.model().baseModel(), c.model().tokenizer(), model.config().vocabSize());
        Trainer.Builder b = Trainer.builder().model(model, tokenizer).data(data(c))
                .adapter(c.lora().adapter(), lora(c)).quantization(quantSpec(c.quantization()))
                .learningRate(c.optimizer().learningRate()).adamW(c.optimizer().adamW()).maxGradNorm(c.optimizer().maxGradNorm())
                .scheduler(c.schedule().lrScheduler()).warmupRatio(c.schedule().warmupRatio()).numEpochs(c.schedule().numEpochs())
                .microBatchSize(c.schedule().microBatchSize()).gradientAccumulationSteps(c.schedule().gradientAccumulationSteps())
                .seed(c.seed()).activationCheckpointing(c.model().gradientCheckpointing() ? ActivationCheckpointing.PER_LAYER : ActivationCheckpointing.NONE)
                .evalSteps(c.evaluation().evalSteps()).loggingSteps(c.evaluation().loggingSteps()).saveSteps(c.checkpointing().saveSteps())
                .outputDir(c.checkpointing().outputDir()).resumeFrom(c.checkpointing().resumeFrom())
                .overwriteOutputDir(c.checkpointing().overwriteOutputDir());
        c.lora().modelDir().ifPresent(b::startFromAdapter);
        b.effectiveConfig(TrainingConfigLoader.toYaml(c));
        c.schedule().warmupSteps().ifPresent(b::warmupSteps);
        c.schedule().maxSteps().ifPresent(b::maxSteps);
        c.checkpointing().saveTotalLimit().ifPresent(b::saveTotalLimit);
        c.evaluation().earlyStoppingPatience().ifPresent(p -> b.earlyStopping(p, c.evaluation().earlyStoppingThreshold()));
        Optional<String> label = c.data().datasets().stream().map(DatasetSpec::fieldLabel).flatMap(Optional::stream).findFirst();
        label.ifPresent(key -> b.labelAccuracy(key, accuracyExamples));
        return b;
    }

    static SftDataConfig data(TrainingConfig c) {
        TrainingConfig.Data d = c.data();
        List<DataSource> train = d.datasets().stream().map(ConfiguredRun::source).toList();
        ValidationSize split = d.valSetSize() >= 1 ? new ValidationSize.Count((int) d.valSetSize()) : new ValidationSize.Fraction(d.valSetSize());
        SftDataConfig out = new SftDataConfig(train, d.valFile().map(DataSource::of), split, d.sequenceLen(), d.trainOn(), d.excessLength(),
                d.duplicates(), d.onBadLine(), d.samplePacking() ? Packing.PACKED : Packing.PADDED, c.seed());
        return out;
    }

    /**
     * The reader of one datasets entry. A CSV file (type csv, or auto with a .csv name) reads the columns that
     * field_prompt/field_completion name (with field_label as its label), or, when they keep their defaults, the
     * pair its header implies ({@link CsvColumns#detect}). A JSONL file reads its content from the keys the field_*
     * entries name ({@link JsonlFields}).
     */
    private static DataSource source(DatasetSpec spec) {
        boolean csv = spec.type() == DatasetFormat.CSV
                || spec.type() == DatasetFormat.AUTO && DataSource.of(spec.path()) instanceof DataSource.Csv;
        if (csv) {
            if (!spec.fieldText().equals("text") || !spec.fieldMessages().equals("messages")) {
                throw new IllegalArgumentException("datasets: " + spec.path() + ": a CSV file is read as prompt/completion columns "
                        + "(field_prompt, field_completion); field_text and field_messages apply to JSONL files");
            }
            if (spec.fieldPrompt().equals("prompt") && spec.fieldCompletion().equals("completion")) return new DataSource.Csv(spec.path(), null);
            CsvColumns columns = CsvColumns.of(spec.fieldPrompt(), spec.fieldCompletion());
            return new DataSource.Csv(spec.path(), spec.fieldLabel().map(columns::withLabels).orElse(columns));
        }
        JsonlFields fields = new JsonlFields(spec.fieldMessages(), spec.fieldPrompt(), spec.fieldCompletion(), spec.fieldText());
        JsonlFormat format = switch (spec.type()) {
            case AUTO -> JsonlFormat.AUTO;
            case CHAT -> JsonlFormat.MESSAGES;
            case PROMPT_COMPLETION -> JsonlFormat.PROMPT_COMPLETION;
            case TEXT -> JsonlFormat.TEXT;
            case CSV -> throw new IllegalStateException("unreachable: CSV handled above");
        };
        return new DataSource.Jsonl(spec.path(), format, fields);
    }

    static LoraConfig lora(TrainingConfig c) {
        TrainingConfig.Lora l = c.lora();
        LoraConfig.Builder b = LoraConfig.builder().r(l.r()).loraAlpha(l.alpha()).loraDropout(l.dropout())
                .scaling(l.useRslora() ? LoraConfig.Scaling.RANK_STABILIZED : LoraConfig.Scaling.STANDARD)
                .variant(l.useDora() ? LoraConfig.Variant.DORA : LoraConfig.Variant.LORA)
                .baseModelNameOrPath(c.model().baseModel().toString()).modulesToSave(l.modulesToSave());
        return switch (l.targetModules()) {
            case LoraTargets.AllLinear a -> b.targetModules(new TargetModules.AllLinear()).build();
            case LoraTargets.Named n -> b.targetModules(new TargetModules.Names(n.modules())).build();
        };
    }

    static QuantSpec quantSpec(TrainingConfig.Quantization q) {
        return new QuantSpec(q.quantType() == QuantType.FP4 ? QuantFormat.FP4 : QuantFormat.NF4, QuantSpec.DEFAULT_BLOCKSIZE,
                q.doubleQuant() ? AbsmaxEncoding.DOUBLE_QUANT : AbsmaxEncoding.FLOAT32);
    }
}
