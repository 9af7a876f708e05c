package dev.hone.transformer.model;

import dev.hone.autograd.Diff;
import dev.hone.autograd.nn.Module;
import dev.hone.autograd.nn.RMSNorm;
import dev.hone.tensor.Tensor;

/**
 * One pre-norm Llama decoder layer: h = x + attn(rmsnorm(x)); out = h + mlp(rmsnorm(h)). Children are
 * Hugging Face's {@code input_layernorm, self_attn, post_attention_layernorm, mlp}.
 */
public final class DecoderLayer extends Module {

    DecoderLayer(RMSNorm inputNorm, SelfAttention attention, RMSNorm postAttentionNorm, FeedForward mlp) {
        register("input_layernorm", inputNorm);
        register("self_attn", attention);
        register("post_attention_layernorm", postAttentionNorm);
        register("mlp", mlp);
    }

    /** x [B, T, D] → [B, T, D]. */
    Tensor forward(Tensor x, LayerContext context) {
        Tensor normed = child("input_layernorm", RMSNorm.class).forward(x);                          // [B, T, D]
        Tensor h = Diff.add(x, child("self_attn", SelfAttention.class).forward(normed, context));     // [B, T, D]
        Tensor normedH = child("post_attention_layernorm", RMSNorm.class).forward(h);                 // [B, T, D]
        return Diff.add(h, child("mlp", FeedForward.class).forward(normedH));                         // [B, T, D]
    }
}
