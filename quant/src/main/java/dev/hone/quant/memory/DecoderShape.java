package dev.hone.quant.memory;

import java.util.List;

/**
 * The sizes of a Llama-family decoder that memory depends on (Hugging Face config.json names:
 * vocab_size, hidden_size, intermediate_size, num_hidden_layers, num_attention_heads,
 * num_key_value_heads, tie_word_embeddings). Each layer has seven projections (q, k, v, o of attention;
 * gate, up, down of the SwiGLU MLP), two RMSNorm weights; the model adds the token embedding, a final
 * norm and, unless tied, the output head. Invariants: sizes positive, hidden divisible by heads, heads
 * divisible by KV heads.
 */
public record DecoderShape(int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads, OutputHead outputHead) {

    /** Whether lm_head shares the embedding matrix (tie_word_embeddings) or has its own. */
    public enum OutputHead { TIED, SEPARATE }

    /** One projection of a layer: Hugging Face module name and its weight [out, in]. */
    public record Projection(String name, int in, int out) {
        public long numel() { return (long) in * out; }
    }

    public DecoderShape {
        if (vocabSize < 1 || hiddenSize < 1 || intermediateSize < 1 || layers < 1 || heads < 1 || kvHeads < 1
                || hiddenSize % heads != 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("DecoderShape: vocab " + vocabSize + ", hidden " + hiddenSize + ", intermediate " + intermediateSize
                    + ", layers " + layers + ", heads " + heads + "/" + kvHeads + " (need positive sizes, hidden % heads == 0, heads % kvHeads == 0)");
        }
    }

    /** stories260K (llama2.c): dim 64, hidden 172, 5 layers, 8 heads, 4 KV heads, vocab 512, tied. */
    public static DecoderShape stories260K() { return new DecoderShape(512, 64, 172, 5, 8, 4, OutputHead.TIED); }

    public int headDim() { return hiddenSize / heads; }

    /** Width of the k and v projections: kvHeads * headDim. */
    public int kvDim() { return kvHeads * headDim(); }

    /** The seven projections of one layer. */
    public List<Projection> projections() {
        int d = hiddenSize, f = intermediateSize, kv = kvDim();
        return List.of(new Projection("q_proj", d, d), new Projection("k_proj", d, kv), new Projection("v_proj", d, kv),
                new Projection("o_proj", d, d), new Projection("gate_proj", d, f), new Projection("up_proj", d, f),
                new Projection("down_proj", f, d));
    }

    /** Parameters outside the projections: embedding, 2 norms per layer, final norm, untied head. */
    public long nonProjectionParameters() {
        long embedding = (long) vocabSize * hiddenSize;
        return embedding + (2L * layers + 1) * hiddenSize + (outputHead == OutputHead.SEPARATE ? embedding : 0);
    }

    /** Every parameter of the model. */
    public long parameters() {
        long perLayer = 0;
        for (Projection p : projections()) perLayer += p.numel();
        return layers * perLayer + nonProjectionParameters();
    }
}
