package dev.hone.transformer.tokenizer;

import java.util.Map;
import java.util.OptionalInt;

/**
 * Text ↔ token ids for one vocabulary. Implementations: {@link SentencePieceBpeTokenizer} (llama2.c
 * tokenizer.bin and SentencePiece .model files) and {@link HfTokenizer} (Hugging Face tokenizer.json).
 *
 * <p>Invariants: ids are in {@code [0, vocabSize())}; {@link #encode} never emits BOS unless asked and never
 * emits EOS; {@link #decode} drops special tokens (BOS, EOS, control and special added tokens), as Hugging Face's
 * {@code skip_special_tokens=True}, and strips the one leading space the encoder's word-boundary prefix adds
 * (at the start of the sequence and after each BOS), so {@code decode(encode(s, b)) == s} for text the vocabulary
 * can represent. Implementations are immutable and thread-safe; {@link StreamingDecoder}s are not.
 */
public interface Tokenizer {

    /** Token ids of {@code text}; with {@code addBos}, the BOS id first if the vocabulary has one (Qwen has none). */
    int[] encode(String text, boolean addBos);

    /** The text of {@code ids}; bytes that do not form valid UTF-8 become U+FFFD. */
    default String decode(int[] ids) {
        StreamingDecoder decoder = streamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : ids) text.append(decoder.push(id));
        return text.append(decoder.finish()).toString();
    }

    /** A fresh decoder for token-by-token generation output; it emits text only once its UTF-8 is complete. */
    default StreamingDecoder streamingDecoder() { return new StreamingDecoder(this); }

    /**
     * The raw bytes token {@code id} contributes to decoded text: empty for special tokens; with
     * {@link TokenPosition#FIRST} the word-boundary space the encoder prefixed is dropped.
     */
    byte[] tokenBytes(int id, TokenPosition position);

    /** Number of ids (one more than the largest id). */
    int vocabSize();

    OptionalInt bosId();

    OptionalInt eosId();

    /** The id of a vocabulary entry or added token, spelled as stored (e.g. {@code "▁the"}, {@code "<|im_start|>"}). */
    OptionalInt tokenToId(String token);

    /** The stored spelling of {@code id}; throws if {@code id} is outside the vocabulary. */
    String idToToken(int id);

    /** Special and added tokens by content (e.g. {@code "<s>"}, {@code "<|eot_id|>"}), insertion ordered. */
    Map<String, Integer> specialTokens();

    /** The id of the special or added token spelled {@code content}. */
    default OptionalInt specialTokenId(String content) {
        Integer id = specialTokens().get(content);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Whether {@code id} is a special token (skipped by {@link #decode}). */
    boolean isSpecial(int id);

    /** Where a token stands in the decoded text. */
    enum TokenPosition {
        /** The first text token of the sequence or of a BOS-delimited document. */
        FIRST,
        /** Any later token. */
        FOLLOWING
    }
}
