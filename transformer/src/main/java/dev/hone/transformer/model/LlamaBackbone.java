package dev.hone.transformer.model;

import dev.hone.autograd.nn.Linear;
import dev.hone.autograd.nn.Module;
import dev.hone.autograd.nn.ModuleList;
import dev.hone.autograd.nn.Embedding;
import dev.hone.autograd.nn.RMSNorm;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The decoder stack without the output head (Hugging Face's {@code LlamaModel}, the {@code model.}
 * prefix of checkpoint names): {@code embed_tokens}, {@code layers.{i}}, {@code norm}. Built from a
 * {@link LlamaWeights} source in checkpoint order, so every weight is validated as it is taken.
 */
public final class LlamaBackbone extends Module {
    private final int layerCount;

    LlamaBackbone(LlamaConfig config, LlamaWeights weights) {
        int d = config.hiddenSize(), f = config.intermediateSize(), kv = config.kvDim();
        register("embed_tokens", new Embedding(weights.tensor("model.embed_tokens.weight", Shape.of(config.vocabSize(), d))));
        List<DecoderLayer> layers = new ArrayList<>(config.numHiddenLayers());
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            boolean qkvBias = config.attentionBias() == LlamaConfig.AttentionBias.QKV;
            SelfAttention attention = new SelfAttention(config,
                    linear(weights, p + "self_attn.q_proj", d, d, qkvBias),
                    linear(weights, p + "self_attn.k_proj", kv, d, qkvBias),
                    linear(weights, p + "self_attn.v_proj", kv, d, qkvBias),
                    linear(weights, p + "self_attn.o_proj", d, d, false));
            FeedForward mlp = new FeedForward(
                    linear(weights, p + "mlp.gate_proj", f, d, false),
                    linear(weights, p + "mlp.up_proj", f, d, false),
                    linear(weights, p + "mlp.down_proj", d, f, false));
            layers.add(new DecoderLayer(norm(config, weights, p + "input_layernorm.weight"), attention,
                    norm(config, weights, p + "post_attention_layernorm.weight"), mlp));
        }
        register("layers", new ModuleList<>(layers));
        register("norm", norm(config, weights, "model.norm.weight"));
        this.layerCount = layers.size();
    }

    static Linear linear(LlamaWeights weights, String path, int out, int in, boolean bias) {
        Tensor w = weights.tensor(path + ".weight", Shape.of(out, in)); // [out, in]
        Tensor b = bias ? weights.tensor(path + ".bias", Shape.of(out)) : null; // [out]
        return new Linear(w, b);
    }

    private static RMSNorm norm(LlamaConfig config, LlamaWeights weights, String name) {
        return new RMSNorm(weights.tensor(name, Shape.of(config.hiddenSize())), config.rmsNormEps()); // weight [D]
    }

    public Embedding embedTokens() { return child("embed_tokens", Embedding.class); }

    public DecoderLayer layer(int i) {
        if (i < 0 || i >= layerCount) throw new IndexOutOfBoundsException("layer " + i + " of " + layerCount);
        return child("layers", ModuleList.class).child(Integer.toString(i), DecoderLayer.class);
    }

    public RMSNorm norm() { return child("norm", RMSNorm.class); }

    public int layerCount() { return layerCount; }
}
