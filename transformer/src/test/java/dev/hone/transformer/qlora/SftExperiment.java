package dev.hone.transformer.qlora;

import dev.hone.autograd.CrossEntropyFn;
import dev.hone.autograd.Tape;
import dev.hone.autograd.optim.AdamW;
import dev.hone.lora.LoraConfig;
import dev.hone.lora.LoraModel;
import dev.hone.quant.QuantSpec;
import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.transformer.chat.ChatTemplates;
import dev.hone.transformer.checkpoint.Llama2cCheckpoint;
import dev.hone.transformer.data.Batch;
import dev.hone.transformer.data.DataSource;
import dev.hone.transformer.data.ShuffledBatches;
import dev.hone.transformer.data.SftData;
import dev.hone.transformer.data.SftDataConfig;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.TokenBatch;
import dev.hone.transformer.quantized.QuantizedLlama;
import dev.hone.transformer.tokenizer.SentencePieceBpeTokenizer;
import dev.hone.transformer.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A small, fixed supervised fine-tuning run of stories260K on the customer-support conversations
 * (shared/data/customer-support, messages JSONL through {@link SftData}: tok512, the plain chat
 * template, loss on assistant tokens only, sequence_len 512 with packing, 10% validation split, seed 42)
 * with LoRA on every linear layer, over either the F32 base ({@link Base#F32}: LoRA) or the same base
 * quantized to NF4 with double quantization ({@link Base#NF4}: QLoRA). Same adapter seed, data order and
 * optimizer (AdamW, no weight decay, constant learning rate) for both, so the two curves differ only by
 * the base's quantization. Eval loss = mean cross-entropy per scored token over the first
 * {@code evalRows} packed validation rows. Used by {@link QloraCustomerSupportTest} (short) and
 * {@link QloraCurves} (the longer run for the report).
 */
final class SftExperiment {
    /** Frozen base weights of the run. */
    enum Base { F32, NF4 }

    /** Everything that fixes a run. */
    record Settings(int rank, double alpha, double learningRate, int microBatch, int steps, int evalEvery, int evalRows, long seed) { }

    /** Eval loss after {@code step} optimizer steps. */
    record Point(int step, double evalLoss) { }

    private final SftData data;

    private SftExperiment(SftData data) { this.data = data; }

    static SftExperiment prepare() {
        Tokenizer tokenizer = SentencePieceBpeTokenizer.fromLlama2cFile(SharedFiles.tok512());
        SftDataConfig config = SftDataConfig.defaults(DataSource.of(SharedFiles.customerSupport()), 512);
        return new SftExperiment(SftData.prepare(config, tokenizer, ChatTemplates.forTokenizer(tokenizer), warning -> { }));
    }

    SftData data() { return data; }

    /** Runs one curve in the current scope (a CPU backend); prints each point when {@code log} is set. */
    List<Point> run(Base base, Settings s, boolean log) {
        LlamaModel model = Llama2cCheckpoint.load(SharedFiles.stories260K(), DType.F32);
        if (base == Base.NF4) QuantizedLlama.quantize(model, QuantSpec.qlora());
        LoraModel lora = LoraModel.apply(model, LoraConfig.builder().r(s.rank()).loraAlpha(s.alpha()).allLinear()
                .baseModelNameOrPath("karpathy/tinyllamas/stories260K").build(), s.seed());
        AdamW optimizer = new AdamW(model.namedParameters(), AdamW.Config.DEFAULTS.withWeightDecay(0));
        List<Batch> evalBatches = data.validationBatches(s.microBatch()).subList(0, (s.evalRows() + s.microBatch() - 1) / s.microBatch());
        ShuffledBatches train = data.trainBatches(s.microBatch());
        List<Point> curve = new ArrayList<>();
        lora.eval();
        curve.add(new Point(0, evalLoss(model, evalBatches)));
        long start = System.nanoTime();
        for (int step = 1; step <= s.steps(); step++) {
            lora.train();
            lora.setStep(step);
            Batch batch = train.next();
            try (Scope scope = Scope.open(); Tape tape = Tape.open()) {
                tape.backward(model.loss(tokens(batch), labels(batch), CrossEntropyFn.Reduction.MEAN));
                optimizer.step(s.learningRate());
                model.zeroGrad();
            }
            if (step % s.evalEvery() == 0 || step == s.steps()) {
                lora.eval();
                curve.add(new Point(step, evalLoss(model, evalBatches)));
                if (log) {
                    System.out.printf("%s step %d eval loss %.4f (%.1f s)%n", base, step, curve.getLast().evalLoss(),
                            (System.nanoTime() - start) / 1e9);
                }
            }
        }
        return curve;
    }

    /** Mean cross-entropy per scored token over {@code batches}. */
    static double evalLoss(LlamaModel model, List<Batch> batches) {
        double sum = 0;
        long tokens = 0;
        for (Batch b : batches) {
            try (Scope scope = Scope.open()) {
                sum += Tape.withoutRecording(() -> model.loss(tokens(b), labels(b), CrossEntropyFn.Reduction.SUM).item());
            }
            tokens += b.trainableTokens();
        }
        return sum / tokens;
    }

    private static TokenBatch tokens(Batch b) {
        return new TokenBatch(Tensor.ofInts(b.inputIds(), b.batchSize(), b.seqLen()), Tensor.ofInts(b.positionIds(), b.batchSize(), b.seqLen()),
                Optional.of(Tensor.ofInts(b.segmentIds(), b.batchSize(), b.seqLen())));
    }

    private static Tensor labels(Batch b) { return Tensor.ofInts(b.labels(), b.batchSize(), b.seqLen()); }
}
