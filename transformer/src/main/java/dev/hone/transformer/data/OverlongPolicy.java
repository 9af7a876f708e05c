package dev.hone.transformer.data;

/** What happens to an example with more tokens than {@code sequence_len}. */
public enum OverlongPolicy {
    /** Keep its first {@code sequence_len} tokens (counted as truncated; dropped if no trainable token is left). */
    TRUNCATE,
    /** Leave it out (counted under {@link DropReason#TOO_LONG}). */
    DROP
}
