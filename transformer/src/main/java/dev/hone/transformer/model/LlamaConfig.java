package dev.hone.transformer.model;

import dev.hone.tensor.spi.RopeStyle;

import java.util.List;

/**
 * Hyper-parameters of a Llama-family decoder (Llama 2/3, Mistral, Qwen2, SmolLM, TinyLlama), named as
 * in Hugging Face's config.json. {@code ropeStyle} records how q/k rows are laid out for RoPE:
 * HALF for Hugging Face checkpoints, INTERLEAVED for Meta/llama2.c ones (whose q/k rows are not permuted).
 *
 * <p>Invariants: sizes positive; hiddenSize divisible by numAttentionHeads; numAttentionHeads divisible
 * by numKeyValueHeads; the head dimension is even (RoPE rotates pairs); eosTokenIds may be empty.
 */
public record LlamaConfig(
        Architecture architecture,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int maxPositionEmbeddings,
        float rmsNormEps,
        float ropeTheta,
        RopeScaling ropeScaling,
        WordEmbeddings wordEmbeddings,
        AttentionBias attentionBias,
        int bosTokenId,
        List<Integer> eosTokenIds,
        RopeStyle ropeStyle) {

    /** The Hugging Face model classes this implementation loads (config.json "architectures"). */
    public enum Architecture {
        LLAMA("LlamaForCausalLM", "llama"),
        MISTRAL("MistralForCausalLM", "mistral"),
        QWEN2("Qwen2ForCausalLM", "qwen2");

        private final String hfClass;
        private final String modelType;

        Architecture(String hfClass, String modelType) {
            this.hfClass = hfClass;
            this.modelType = modelType;
        }

        public String hfClass() { return hfClass; }

        public String modelType() { return modelType; }
    }

    /** Whether the output projection shares the token embedding matrix (tie_word_embeddings). */
    public enum WordEmbeddings { TIED, SEPARATE }

    /** Which attention projections carry a bias vector: none (Llama, Mistral) or q, k and v (Qwen2). */
    public enum AttentionBias { NONE, QKV }

    public LlamaConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        if (hiddenSize <= 0 || intermediateSize <= 0 || numAttentionHeads <= 0 || numKeyValueHeads <= 0 || numHiddenLayers <= 0
                || vocabSize <= 0 || maxPositionEmbeddings <= 0) {
            throw new IllegalArgumentException("llama config: sizes must be positive: " + this);
        }
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("llama config: hidden_size " + hiddenSize + " not divisible by num_attention_heads " + numAttentionHeads);
        }
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("llama config: num_attention_heads " + numAttentionHeads
                    + " not divisible by num_key_value_heads " + numKeyValueHeads);
        }
        if ((hiddenSize / numAttentionHeads) % 2 != 0) {
            throw new IllegalArgumentException("llama config: head dimension " + hiddenSize / numAttentionHeads + " must be even for RoPE");
        }
    }

    public int headDim() { return hiddenSize / numAttentionHeads; }

    public int kvDim() { return headDim() * numKeyValueHeads; }

    public boolean tied() { return wordEmbeddings == WordEmbeddings.TIED; }

    /** The same config with another maximum sequence length (RoPE tables and KV caches follow it). */
    public LlamaConfig withMaxPositionEmbeddings(int positions) {
        return new LlamaConfig(architecture, vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads,
                positions, rmsNormEps, ropeTheta, ropeScaling, wordEmbeddings, attentionBias, bosTokenId, eosTokenIds, ropeStyle);
    }

    /** The same config with q/k rows in another RoPE layout (what the llama2.c → Hugging Face conversion changes). */
    public LlamaConfig withRopeStyle(RopeStyle style) {
        return new LlamaConfig(architecture, vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads,
                maxPositionEmbeddings, rmsNormEps, ropeTheta, ropeScaling, wordEmbeddings, attentionBias, bosTokenId, eosTokenIds, style);
    }
}
