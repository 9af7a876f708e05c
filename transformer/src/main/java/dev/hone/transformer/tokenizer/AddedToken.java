package dev.hone.transformer.tokenizer;

/**
 * One entry of tokenizer.json's {@code added_tokens}: matched verbatim in the raw text before normalization and
 * never split. {@code special} tokens are dropped by decoding; {@code lstrip}/{@code rstrip} swallow the white
 * space on that side of a match; {@code singleWord} only matches outside words.
 */
public record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip, boolean singleWord) {
    public AddedToken {
        if (content.isEmpty()) throw new TokenizerFormatException("added token " + id + " has empty content");
    }
}
