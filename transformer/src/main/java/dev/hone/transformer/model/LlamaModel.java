package dev.hone.transformer.model;

import dev.hone.autograd.Checkpoint;
import dev.hone.autograd.CrossEntropyFn;
import dev.hone.autograd.Diff;
import dev.hone.autograd.nn.LinearLayer;
import dev.hone.autograd.nn.Module;
import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.DType;
import dev.hone.tensor.Tensor;

import java.util.List;

/**
 * A Llama-family causal language model (Touvron et al. 2023; Hugging Face's {@code LlamaForCausalLM},
 * also Mistral and Qwen2): the {@link LlamaBackbone} under {@code model.} and the output projection
 * {@code lm_head} (absent when embeddings are tied: logits then use {@code model.embed_tokens.weight}).
 * Parameter paths are exactly Hugging Face's, so {@link #stateDict()} keys are checkpoint names and LoRA
 * can wrap {@code model.layers.{i}.self_attn.q_proj} etc. by {@link #replace}.
 *
 * <p>One forward implementation serves training (full sequences, recorded on a tape when one is open,
 * optional packed segments and per-layer activation checkpointing) and decoding (a {@link KvCache}; run
 * it outside a tape or under {@code Tape.pause()} so nothing is recorded). Weights and activations share
 * the model's dtype: F32, or BF16 (kernels accumulate in F32); RoPE tables are F32.
 *
 * <p>Memory-mapped weights stay valid until {@link #close()}, which releases the mapping.
 */
public final class LlamaModel extends Module implements AutoCloseable {
    /** Targets equal to this are not scored by {@link #loss} (as PyTorch's cross-entropy ignore_index). */
    public static final int IGNORE_INDEX = -100;

    private final LlamaConfig config;
    private final DType dtype;
    private final RopeTables rope;
    private final AutoCloseable resource;
    private ActivationCheckpointing checkpointing = ActivationCheckpointing.NONE;

    /** Builds the model from {@code weights} in the current scope (which owns the RoPE tables and any copies). */
    public LlamaModel(LlamaConfig config, LlamaWeights weights) {
        this.config = config;
        this.dtype = weights.dtype();
        if (dtype != DType.F32 && dtype != DType.BF16) {
            throw new IllegalArgumentException("LlamaModel: dtype " + dtype + " is not supported (F32 or BF16)");
        }
        register("model", new LlamaBackbone(config, weights));
        if (!config.tied()) {
            register("lm_head", LlamaBackbone.linear(weights, "lm_head", config.vocabSize(), config.hiddenSize(), false));
        }
        this.rope = RopeTables.of(config);
        this.resource = weights.release();
        if (weights.trainability() == Parameter.Trainability.FROZEN) trainable(Parameter.Trainability.FROZEN);
    }

    /** A randomly initialised model (see {@link RandomLlamaWeights}). */
    public static LlamaModel random(LlamaConfig config, DType dtype, long seed) {
        return new LlamaModel(config, new RandomLlamaWeights(dtype, seed));
    }

    public LlamaConfig config() { return config; }

    public DType dtype() { return dtype; }

    public LlamaBackbone backbone() { return child("model", LlamaBackbone.class); }

    public void setActivationCheckpointing(ActivationCheckpointing mode) { this.checkpointing = mode; }

    public ActivationCheckpointing activationCheckpointing() { return checkpointing; }

    /** A KV cache for this model's dtype and geometry, in the current scope. */
    public KvCache newCache(int batch, int capacity) { return KvCache.allocate(config, dtype, batch, capacity); }

    /**
     * Final hidden states [B, T, D] of {@code batch}. With a cache (null for none), the batch continues
     * the cached sequences: its positions must be cache.length() onward, and segments are not allowed.
     */
    public Tensor hiddenStates(TokenBatch batch, KvCache cache) {
        if (cache != null && batch.segments().isPresent()) {
            throw new IllegalArgumentException("LlamaModel: packed segments cannot be combined with a KV cache");
        }
        LlamaBackbone backbone = backbone();
        LayerContext context = new LayerContext(batch.positions(), batch.segments().orElse(null), rope, config.ropeStyle(), cache, 0);
        Tensor x = backbone.embedTokens().forward(batch.ids());                               // [B, T, D]
        for (int i = 0; i < backbone.layerCount(); i++) {
            DecoderLayer layer = backbone.layer(i);
            LayerContext layerContext = context.forLayer(i);
            x = checkpointing == ActivationCheckpointing.PER_LAYER && cache == null
                    ? Checkpoint.run((List<Tensor> in) -> layer.forward(in.get(0), layerContext), x)
                    : layer.forward(x, layerContext);                                         // [B, T, D]
        }
        if (cache != null) cache.advance(batch.length());
        return backbone.norm().forward(x);                                                    // [B, T, D]
    }

    /** Logits [..., V] of hidden states [..., D]: lm_head, or the tied embedding matrix. */
    public Tensor project(Tensor hidden) {
        if (config.tied()) {
            Tensor table = backbone().embedTokens().weight().value();                         // [V, D]
            return Diff.matmul(hidden, Diff.transpose(table, 0, 1));                          // [..., V]
        }
        return child("lm_head", LinearLayer.class).forward(hidden);                           // [..., V]
    }

    /** Logits [B, T, V] of a full-sequence pass (no cache). */
    public Tensor logits(TokenBatch batch) { return project(hiddenStates(batch, null)); }

    /**
     * Cross-entropy of the logits at every position against {@code targets} [B, T] (I32, the token that
     * should follow each position, i.e. already shifted; {@link #IGNORE_INDEX} where nothing is scored).
     * MEAN averages over scored positions, SUM adds them up (for normalising across micro-batches).
     */
    public Tensor loss(TokenBatch batch, Tensor targets, CrossEntropyFn.Reduction reduction) {
        if (!targets.shape().equals(batch.ids().shape())) {
            throw new IllegalArgumentException("LlamaModel.loss: targets " + targets.shape() + " must match ids " + batch.ids().shape());
        }
        Tensor logits = logits(batch);                                                        // [B, T, V]
        int rows = batch.batchSize() * batch.length();
        Tensor flat = Diff.reshape(logits, rows, config.vocabSize());                         // [B*T, V]
        return Diff.crossEntropy(flat, targets.contiguous().reshape(rows), IGNORE_INDEX, reduction); // []
    }

    /** Releases memory-mapped weights (the model must not be used afterwards). Idempotent. */
    @Override
    public void close() {
        if (resource == null) return;
        try {
            resource.close();
        } catch (Exception e) {
            throw new IllegalStateException("LlamaModel: closing its weights failed: " + e, e);
        }
    }
}
