package dev.hone.benchmarks.peer;

import dev.hone.autograd.AttentionFn;
import dev.hone.autograd.Diff;
import dev.hone.autograd.Tape;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.RandomKind;

import java.util.ArrayList;
import java.util.List;

/**
 * Forward and backward of one GPT-2-small transformer block on Hone, the same math as the PyTorch
 * peer's {@code block(...)} (benchmarks/peer-djl and shared/bench/peers/java/djl/perf/DjlBench.java):
 * pre-LayerNorm, fused QKV projection [768 → 2304], causal multi-head attention (12 heads of 64),
 * output projection, pre-LayerNorm MLP 768 → 3072 → 768 with GELU, two residuals, no linear biases,
 * loss = mean(out²), on x [B=8, T=256, 768] that needs no gradient.
 *
 * <p>Differences that do not change the FLOPs: GELU is Hone's tanh form (GPT-2's own) where the peer
 * calls PyTorch's erf form; LayerNorm is Hone's fused {@link Diff#layerNorm} (the same function as
 * torch's layer_norm); attention is Hone's fused causal kernel, which skips the masked upper triangle the
 * peer computes and then masks. Weights are [out, in] (x·Wᵀ) where the peer's are [in, out] (x·W).
 *
 * <p>Modes: {@link Mode#DENSE} trains every weight and both LayerNorms; {@link Mode#LORA} freezes them
 * and trains rank-16 adapters (scale 1, as the peer) on the four linears through
 * {@link Diff#lowRankLinear}. Weights and input are drawn once, N(0, 0.02), as the peer draws them.
 */
public final class Gpt2BlockStep implements AutoCloseable {
    /** Which weights train. */
    public enum Mode { DENSE, LORA }

    static final int BATCH = 8, TOKENS = 256, WIDTH = 768, HEADS = 12, HEAD_DIM = 64, HIDDEN = 3072, RANK = 16;

    private final Mode mode;
    private final Scope scope;
    private final Tensor x;                               // [B*T, d]
    private final Tensor g1, b1, g2, b2;                   // [d]
    private final Tensor[] weights = new Tensor[4];        // qkv [3d, d], proj [d, d], fc [h, d], fc2 [d, h]
    private final Tensor[] loraA = new Tensor[4], loraB = new Tensor[4];
    private final List<Tensor> trainable = new ArrayList<>();

    public Gpt2BlockStep(Mode mode) {
        this.mode = mode;
        this.scope = Scope.open();
        int[][] outIn = {{3 * WIDTH, WIDTH}, {WIDTH, WIDTH}, {HIDDEN, WIDTH}, {WIDTH, HIDDEN}};
        long seed = 11;
        x = normal(seed++, BATCH * TOKENS, WIDTH);
        g1 = Tensor.ones(DType.F32, WIDTH);
        b1 = Tensor.zeros(DType.F32, WIDTH);
        g2 = Tensor.ones(DType.F32, WIDTH);
        b2 = Tensor.zeros(DType.F32, WIDTH);
        for (int i = 0; i < 4; i++) {
            weights[i] = normal(seed++, outIn[i][0], outIn[i][1]);
            if (mode == Mode.LORA) {
                loraA[i] = normal(seed++, RANK, outIn[i][1]);
                loraB[i] = normal(seed++, outIn[i][0], RANK);
                trainable.add(loraA[i]);
                trainable.add(loraB[i]);
            }
        }
        if (mode == Mode.DENSE) {
            trainable.addAll(List.of(g1, b1, g2, b2));
            trainable.addAll(List.of(weights));
        }
    }

    private static Tensor normal(long seed, int... dims) { return Ops.random(RandomKind.NORMAL, seed, 0, 0.02, DType.F32, dims); }

    /** Case name shared with the peer's row. */
    public String caseName() {
        return (mode == Mode.LORA ? "gpt2_block_lora_r16" : "gpt2_block_full") + " fwd+bwd B8xT256 d768";
    }

    /** One forward and backward; the gradients are freed with the step's scope. Returns the loss. */
    public double step() {
        try (Scope step = Scope.open(); Tape tape = Tape.open()) {
            for (Tensor t : trainable) tape.watch(t);
            Tensor hn = layerNorm(x, g1, b1);                                              // [BT, d]
            Tensor qkv = linear(hn, 0);                                                    // [BT, 3d]
            Tensor q = heads(Diff.narrow(qkv, 1, 0, WIDTH));                               // [B, H, T, hd]
            Tensor k = heads(Diff.narrow(qkv, 1, WIDTH, WIDTH));
            Tensor v = heads(Diff.narrow(qkv, 1, 2 * WIDTH, WIDTH));
            Tensor att = Diff.attention(q, k, v, 1.0 / Math.sqrt(HEAD_DIM), AttentionFn.Masking.CAUSAL, null);
            Tensor y = Diff.reshape(Diff.permute(att, 0, 2, 1, 3), BATCH * TOKENS, WIDTH); // [BT, d]
            Tensor x1 = Diff.add(x, linear(y, 1));                                         // [BT, d]
            Tensor f = Diff.geluTanh(linear(layerNorm(x1, g2, b2), 2));                    // [BT, h]
            Tensor out = Diff.add(x1, linear(f, 3));                                       // [BT, d]
            Tensor loss = Diff.mean(Diff.square(out));
            tape.backward(loss);
            return loss.getDouble();
        }
    }

    /** LayerNorm over the last axis, eps 1e-5 (torch.nn.functional.layer_norm): one fused op. */
    private static Tensor layerNorm(Tensor in, Tensor gain, Tensor bias) {
        return Diff.layerNorm(in, gain, bias, 1e-5);
    }

    private Tensor linear(Tensor in, int i) {
        return mode == Mode.LORA
                ? Diff.lowRankLinear(in, weights[i], loraA[i], loraB[i], 1.0)
                : Diff.matmul(in, Diff.transpose(weights[i], 0, 1));
    }

    /** [BT, d] → [B, H, T, hd]. */
    private static Tensor heads(Tensor z) {
        return Diff.permute(Diff.reshape(z, BATCH, TOKENS, HEADS, HEAD_DIM), 0, 2, 1, 3);
    }

    @Override
    public void close() { scope.close(); }
}
