package dev.hone.transformer.chat;

/**
 * One piece of a rendered conversation: literal text or a special token, each tagged with whether it is a
 * training target ({@link Target#ASSISTANT}) or context. Consecutive text segments are tokenized together, as
 * Hugging Face tokenizes the rendered template string between special tokens.
 */
public sealed interface ChatSegment {

    /** Whether a segment's tokens are in the assistant mask. */
    enum Target { CONTEXT, ASSISTANT }

    Target target();

    record Text(String text, Target target) implements ChatSegment {}

    /** The tokenizer's BOS token. */
    record Bos(Target target) implements ChatSegment {}

    /** The tokenizer's EOS token. */
    record Eos(Target target) implements ChatSegment {}

    /** A special token looked up by its content, e.g. {@code <|eot_id|>}. */
    record Special(String content, Target target) implements ChatSegment {}
}
