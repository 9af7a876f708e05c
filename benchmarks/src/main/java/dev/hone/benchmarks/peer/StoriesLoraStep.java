package dev.hone.benchmarks.peer;

import dev.hone.autograd.CrossEntropyFn;
import dev.hone.autograd.Tape;
import dev.hone.autograd.nn.Parameter;
import dev.hone.benchmarks.RandomTokenBatch;
import dev.hone.lora.LoraConfig;
import dev.hone.lora.LoraModel;
import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.transformer.checkpoint.Llama2cCheckpoint;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.TokenBatch;

import java.nio.file.Path;
import java.util.List;

/**
 * One LoRA training step (forward, loss, backward; no optimizer update, as on the peer's side) of the
 * llama2.c stories260K model (dim 64, 5 layers, 8 query / 4 key-value heads, SwiGLU hidden 172, vocab
 * 512, tied embeddings) on B=8 × T=256 tokens: the checkpoint is loaded with {@link Llama2cCheckpoint},
 * adapters r=16, alpha=32 go on every linear (q, k, v, o, gate, up, down) through {@link LoraModel#apply}
 * and the base is frozen. The peer (benchmarks/peer-djl, PyTorch through DJL) builds the same
 * architecture from the same file's header with random weights of the same shapes; the values do not
 * change the work. Token ids and targets are drawn once from a seeded generator.
 */
public final class StoriesLoraStep implements AutoCloseable {
    static final int BATCH = 8, TOKENS = 256, RANK = 16;
    static final double ALPHA = 32;

    private final Scope scope;
    private final LlamaModel model;
    private final List<Parameter> trainable;
    private final TokenBatch batch;
    private final Tensor targets;

    public StoriesLoraStep(Path checkpoint) {
        scope = Scope.open();
        model = Llama2cCheckpoint.load(checkpoint, DType.F32);
        LoraModel lora = LoraModel.apply(model, LoraConfig.builder().r(RANK).loraAlpha(ALPHA).allLinear().build(), 7);
        trainable = lora.model().trainableParameters();
        RandomTokenBatch tokens = RandomTokenBatch.of(model.config().vocabSize(), BATCH, TOKENS);
        batch = tokens.input();                                           // [B, T]
        targets = tokens.targets();                                       // [B, T]
    }

    /** Case name shared with the peer's row. */
    public String caseName() { return "stories260K_lora_r16 fwd+bwd B8xT256"; }

    /** Number of trainable (adapter) parameters, for the run's comment line. */
    public long trainableCount() { return trainable.stream().mapToLong(p -> p.value().numel()).sum(); }

    /** One forward and backward; gradients are cleared afterwards so steps do not accumulate. */
    public double step() {
        double loss;
        try (Scope step = Scope.open(); Tape tape = Tape.open()) {
            Tensor l = model.loss(batch, targets, CrossEntropyFn.Reduction.MEAN);
            tape.backward(l);
            loss = l.getDouble();
        }
        for (Parameter p : trainable) p.zeroGrad();
        return loss;
    }

    @Override
    public void close() {
        model.close();
        scope.close();
    }
}
