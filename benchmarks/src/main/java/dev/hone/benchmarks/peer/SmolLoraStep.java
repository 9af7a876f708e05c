package dev.hone.benchmarks.peer;

import dev.hone.autograd.CrossEntropyFn;
import dev.hone.autograd.Tape;
import dev.hone.autograd.optim.AdamW;
import dev.hone.benchmarks.RandomTokenBatch;
import dev.hone.lora.LoraConfig;
import dev.hone.lora.LoraModel;
import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.TokenBatch;

/**
 * One full LoRA training step of a SmolLM-135M-shaped Llama, the workload of a real fine-tune: forward on
 * B=1 x T=512 seeded random tokens, mean cross-entropy against seeded random targets, backward, and an AdamW
 * update (torch.optim.AdamW's defaults, lr 1e-4) of LoRA r=16, alpha 32 adapters on all seven linears of
 * every layer over a frozen F32 base. Geometry as the peer's SmolLlamaLora (benchmarks/peer-djl) and
 * {@link QloraPeakMemoryMain}: hidden 576, 30 layers, 9 query / 3 key-value heads of 64, SwiGLU 1536, vocab
 * 49152, tied embeddings, rotate-half RoPE; random N(0, 0.02)-style weights (the values do not change the
 * work). Hone's attention is its fused causal kernel; the peer's is PyTorch eager attention (T x T scores,
 * masked), as transformers' "eager" implementation computes it.
 */
public final class SmolLoraStep implements AutoCloseable {
    static final int BATCH = 1, TOKENS = 512, RANK = 16;
    static final double ALPHA = 32, LEARNING_RATE = 1e-4;

    private final Scope scope;
    private final LlamaModel model;
    private final LoraModel lora;
    private final AdamW adamW;
    private final TokenBatch batch;
    private final Tensor targets;

    public SmolLoraStep() {
        scope = Scope.open();
        model = LlamaModel.random(QloraPeakMemoryMain.smolLm135m(), DType.F32, 1);
        lora = LoraModel.apply(model, LoraConfig.builder().r(RANK).loraAlpha(ALPHA).allLinear().build(), 7);
        adamW = new AdamW(lora.model().namedParameters(), AdamW.Config.DEFAULTS);
        RandomTokenBatch tokens = RandomTokenBatch.of(model.config().vocabSize(), BATCH, TOKENS);
        batch = tokens.input();                                           // [B, T]
        targets = tokens.targets();                                       // [B, T]
    }

    /** Case name shared with the peer's row. */
    public String caseName() { return "smollm135m_shape_lora_r16 fwd+bwd+AdamW B1xT512"; }

    /** The model's trainable/all parameter line, for the run's comment line. */
    public String parametersLine() { return lora.trainableParametersLine(); }

    /** One forward, backward and AdamW update; gradients are cleared afterwards. Returns the loss. */
    public double step() {
        try (Scope step = Scope.open(); Tape tape = Tape.open()) {
            Tensor loss = model.loss(batch, targets, CrossEntropyFn.Reduction.MEAN);
            tape.backward(loss);
            adamW.step(LEARNING_RATE);
            lora.model().zeroGrad();
            return loss.getDouble();
        }
    }

    @Override
    public void close() {
        model.close();
        scope.close();
    }
}
