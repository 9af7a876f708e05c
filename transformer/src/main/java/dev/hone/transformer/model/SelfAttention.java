package dev.hone.transformer.model;

import dev.hone.autograd.AttentionFn;
import dev.hone.autograd.Diff;
import dev.hone.autograd.nn.LinearLayer;
import dev.hone.autograd.Tape;
import dev.hone.autograd.nn.Module;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;

/**
 * Grouped-query causal self-attention of a Llama decoder layer (Ainslie et al. 2023 for GQA): q/k/v
 * projections, RoPE on q and k, fused attention (FlashAttention-style kernel with segment masking),
 * output projection. Children are Hugging Face's {@code q_proj, k_proj, v_proj, o_proj}, read by
 * {@link #child} at every call so a LoRA wrapper put in place with {@code Module.replace} is used.
 * Decoding with a KV cache outside a recording tape calls the backend's attention kernel on the cache's
 * strided views directly (no copy of the cached keys and values per token, no log-sum-exp kept for backward).
 */
public final class SelfAttention extends Module {
    private final int heads;
    private final int kvHeads;
    private final int headDim;

    SelfAttention(LlamaConfig config, Module q, Module k, Module v, Module o) {
        this.heads = config.numAttentionHeads();
        this.kvHeads = config.numKeyValueHeads();
        this.headDim = config.headDim();
        register("q_proj", q);
        register("k_proj", k);
        register("v_proj", v);
        register("o_proj", o);
    }

    private Tensor project(String name, Tensor x) { return child(name, LinearLayer.class).forward(x); }

    /**
     * x [B, T, D] → [B, T, D]; with a cache, attends to the cached positions and appends the new ones (a left-padded
     * cache's key segments keep real positions from attending to filler).
     */
    Tensor forward(Tensor x, LayerContext context) {
        int batch = x.dim(0), time = x.dim(1);
        Tensor q = Diff.reshape(project("q_proj", x), batch, time, heads, headDim);    // [B, T, H, Dh]
        Tensor k = Diff.reshape(project("k_proj", x), batch, time, kvHeads, headDim);  // [B, T, Hkv, Dh]
        Tensor v = Diff.reshape(project("v_proj", x), batch, time, kvHeads, headDim);  // [B, T, Hkv, Dh]
        q = Diff.rope(q, context.rope().cos(), context.rope().sin(), context.positions(), context.ropeStyle());
        k = Diff.rope(k, context.rope().cos(), context.rope().sin(), context.positions(), context.ropeStyle());
        Tensor qh = Diff.transpose(q, 1, 2);                                          // [B, H, T, Dh]
        Tensor kh = Diff.transpose(k, 1, 2);                                          // [B, Hkv, T, Dh]
        Tensor vh = Diff.transpose(v, 1, 2);                                          // [B, Hkv, T, Dh]
        Tensor segments = context.segments();                                         // [B, T] or null
        if (context.cache() != null) {
            Tensor[] kv = context.cache().append(context.layer(), kh, vh);            // [B, Hkv, S, Dh] each
            kh = kv[0];
            vh = kv[1];
            segments = context.cache().keySegments(time);                             // [B, S] or null
        }
        Tensor attended = context.cache() != null && Tape.active().isEmpty()
                ? cachedAttention(qh, kh, vh, segments)                               // [B, H, T, Dh]
                : Diff.attention(qh, kh, vh, 1 / Math.sqrt(headDim), AttentionFn.Masking.CAUSAL, segments);
        Tensor merged = Diff.reshape(Diff.transpose(attended, 1, 2), batch, time, heads * headDim); // [B, T, D]
        return project("o_proj", merged);                                             // [B, T, D]
    }

    /** Causal attention of q [B, H, T, Dh] over cached k, v [B, Hkv, S, Dh] (views, any strides) without a tape. */
    private Tensor cachedAttention(Tensor q, Tensor k, Tensor v, Tensor segments) {
        Tensor qc = q.contiguous();                                                   // [B, H, T, Dh]
        Tensor out = qc.emptyLike();                                                  // [B, H, T, Dh]
        Tensor lse = Tensor.empty(DType.F32, q.dim(0), q.dim(1), q.dim(2));           // [B, H, T]
        Ops.fused(qc).attention(qc, k, v, (float) (1 / Math.sqrt(headDim)), true, segments, out, lse);
        return out;
    }
}
