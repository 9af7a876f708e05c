package dev.hone.transformer.data;

/**
 * The shape of the objects in a JSONL data file. {@link #AUTO} decides from the first non-blank line (by its keys:
 * {@code messages}, then {@code prompt}+{@code completion}, then {@code text}) and then holds every later line to
 * that shape, so a file mixing shapes is reported at the first line that differs.
 */
public enum JsonlFormat {
    /** Decide from the first line. */
    AUTO,
    /** {@code {"messages": [{"role": "system|user|assistant", "content": "..."}, ...]}} (OpenAI chat format). */
    MESSAGES,
    /** {@code {"prompt": "...", "completion": "..."}}: one user turn and one assistant turn. */
    PROMPT_COMPLETION,
    /** {@code {"text": "..."}}: plain text, loss on every token. */
    TEXT
}
