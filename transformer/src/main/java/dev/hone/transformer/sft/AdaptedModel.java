package dev.hone.transformer.sft;

import dev.hone.autograd.nn.Parameter;
import dev.hone.lora.LoraConfig;
import dev.hone.lora.LoraModel;
import dev.hone.lora.PeftAdapterFiles;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.memory.DecoderShape;
import dev.hone.quant.memory.MemoryEstimate;
import dev.hone.quant.memory.MemoryEstimator;
import dev.hone.quant.nn.ModelQuantizer;
import dev.hone.quant.nn.QuantizationReport;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.io.SafetensorsFile;
import dev.hone.tensor.io.SafetensorsWriter;
import dev.hone.transformer.model.ActivationCheckpointing;
import dev.hone.transformer.model.LlamaConfig;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.train.config.AdapterKind;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A base model made ready for fine-tuning: LoRA adapters on dense weights, LoRA over 4-bit NF4 base weights
 * (QLoRA, Dettmers et al. 2023: every decoder linear layer quantized first, embeddings and lm_head stay dense),
 * or every weight trainable (full fine-tuning). It owns what differs between the three: the trainable
 * parameters, the files a checkpoint or the final output holds (a PEFT adapter directory, or
 * {@value #FULL_WEIGHTS} with the whole state dict), restoring them, and the memory estimate.
 *
 * <p>Invariant: for the LoRA kinds the base weights are frozen and never change; the adapter is the PEFT
 * adapter "default".
 */
final class AdaptedModel {
    /** The file holding a fully fine-tuned model's weights (Hugging Face's name for one shard). */
    static final String FULL_WEIGHTS = "model.safetensors";
    private static final String ADAPTER = "default";

    private final LlamaModel model;
    private final AdapterKind kind;
    private final LoraModel lora;
    private final Optional<QuantizationReport> quantization;

    private AdaptedModel(LlamaModel model, AdapterKind kind, LoraModel lora, Optional<QuantizationReport> quantization) {
        this.model = model;
        this.kind = kind;
        this.lora = lora;
        this.quantization = quantization;
    }

    /**
     * Applies {@code kind} to {@code model} in place, in the current scope: a fresh adapter initialised from {@code seed},
     * or, with {@code startFrom}, the PEFT adapter saved there, trainable (its own config replaces {@code loraConfig}; not for
     * full fine-tuning, which {@link Trainer.Builder#build} refuses).
     */
    static AdaptedModel prepare(LlamaModel model, AdapterKind kind, LoraConfig loraConfig, Optional<Path> startFrom, QuantSpec quantSpec,
                                long seed) {
        return switch (kind) {
            case FULL -> {
                model.trainable(Parameter.Trainability.TRAINABLE);
                yield new AdaptedModel(model, kind, null, Optional.empty());
            }
            case LORA -> new AdaptedModel(model, kind, adapter(model, loraConfig, startFrom, seed), Optional.empty());
            case QLORA -> {
                QuantizationReport report = ModelQuantizer.quantizeLinears(model, quantSpec, ModelQuantizer.DenseWeights.RELEASE);
                yield new AdaptedModel(model, kind, adapter(model, loraConfig, startFrom, seed), Optional.of(report));
            }
        };
    }

    private static LoraModel adapter(LlamaModel model, LoraConfig config, Optional<Path> startFrom, long seed) {
        return startFrom.map(dir -> LoraModel.fromPretrained(model, config.baseModelNameOrPath(), dir, LoraModel.Use.TRAINING))
                .orElseGet(() -> LoraModel.apply(model, config, seed));
    }

    LlamaModel model() { return model; }

    AdapterKind kind() { return kind; }

    /** The LoRA view, absent for full fine-tuning. */
    Optional<LoraModel> lora() { return Optional.ofNullable(lora); }

    Optional<QuantizationReport> quantization() { return quantization; }

    /** The parameters the optimizer updates, by path. */
    Map<String, Parameter> trainableParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        model.namedParameters().forEach((path, p) -> {
            if (p.trainable()) out.put(path, p);
        });
        return out;
    }

    /** Dropout on (LoRA dropout is the only dropout of a Llama model). */
    void train() { if (lora != null) lora.train(); }

    /** Dropout off. */
    void eval() { if (lora != null) lora.eval(); }

    /** The counter that, with each layer's seed, fixes the dropout masks: the global micro-batch index. */
    void setDropoutStep(long microStep) { if (lora != null) lora.setStep(microStep); }

    /** PEFT's print_trainable_parameters line. */
    String trainableParametersLine() {
        if (lora != null) return lora.trainableParametersLine();
        long all = model.parameterCount();
        return String.format(Locale.ROOT, "trainable params: %,d || all params: %,d || trainable%%: 100.0000", all, all);
    }

    /** Writes the trained part into {@code dir}: PEFT's adapter_config.json + adapter_model.safetensors, or the full weights. */
    void saveTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        if (lora != null) {
            lora.saveAdapter(ADAPTER, dir);
        } else {
            SafetensorsWriter.write(dir.resolve(FULL_WEIGHTS), model.stateDict(), Map.of("format", "pt"));
        }
    }

    /** Copies the trained part saved by {@link #saveTo} in {@code dir} into this model's live parameters. */
    void restoreFrom(Path dir) {
        Map<String, Tensor> live = lora != null ? PeftAdapterFiles.adapterTensors(lora, ADAPTER) : model.stateDict();
        Path file = dir.resolve(lora != null ? PeftAdapterFiles.WEIGHTS_FILE : FULL_WEIGHTS);
        try (SafetensorsFile f = SafetensorsFile.open(file); Scope scope = Scope.open()) {
            for (Map.Entry<String, Tensor> e : live.entrySet()) {
                if (!f.contains(e.getKey())) {
                    throw new IllegalArgumentException("restoring " + file + ": tensor '" + e.getKey() + "' is missing (was it written for another lora_r, "
                            + "lora_target_modules or adapter kind?)");
                }
                Tensor saved = f.tensor(e.getKey());
                if (!saved.shape().equals(e.getValue().shape())) {
                    throw new IllegalArgumentException("restoring " + file + ": '" + e.getKey() + "' is " + saved.shape() + ", the model has "
                            + e.getValue().shape());
                }
                Ops.copyInto(Ops.cast(saved, e.getValue().dtype()), e.getValue());
            }
        }
    }

    /** The estimate of {@link MemoryEstimator} for one training step of this configuration. */
    MemoryEstimate memoryEstimate(int microBatch, int sequenceLength) {
        LlamaConfig c = model.config();
        DecoderShape shape = new DecoderShape(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(), c.numAttentionHeads(),
                c.numKeyValueHeads(), c.tied() ? DecoderShape.OutputHead.TIED : DecoderShape.OutputHead.SEPARATE);
        MemoryEstimator.Step step = new MemoryEstimator.Step(microBatch, sequenceLength, model.dtype(),
                model.activationCheckpointing() == ActivationCheckpointing.PER_LAYER
                        ? MemoryEstimator.ActivationCheckpointing.PER_LAYER : MemoryEstimator.ActivationCheckpointing.OFF);
        MemoryEstimator.BaseFormat base = quantization.<MemoryEstimator.BaseFormat>map(q -> new MemoryEstimator.BaseFormat.Quantized(q.spec(), model.dtype()))
                .orElse(new MemoryEstimator.BaseFormat.Dense(model.dtype()));
        if (lora == null) {
            MemoryEstimate activations = MemoryEstimator.estimate(shape, base, new MemoryEstimator.Adapters(1, Set.of(), DType.F32), step);
            long weights = activations.baseWeightBytes();
            long params = shape.parameters();
            return new MemoryEstimate(weights, params, 0, params * 4, params * 8, activations.activationBytes());
        }
        Set<String> leaves = new TreeSet<>();
        for (String path : lora.targets(ADAPTER)) leaves.add(path.substring(path.lastIndexOf('.') + 1));
        return MemoryEstimator.estimate(shape, base, new MemoryEstimator.Adapters(lora.config(ADAPTER).r(), leaves, DType.F32), step);
    }

    /** "QLoRA (NF4 base, LoRA r=16 on 35 linear layers)", "DoRA r=8 on 10 linear layers". */
    String describe() {
        if (kind == AdapterKind.FULL) return "full fine-tuning";
        String adapters = (lora.config(ADAPTER).variant() == LoraConfig.Variant.DORA ? "DoRA" : "LoRA") + " r=" + lora.config(ADAPTER).r()
                + " on " + lora.targets(ADAPTER).size() + " linear layers";
        return kind == AdapterKind.QLORA ? "QLoRA (" + quantization.orElseThrow().spec().format() + " base, " + adapters + ")" : adapters;
    }
}
