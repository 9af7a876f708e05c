package dev.hone.transformer.data;

/** What reading does with a line it cannot use (bad JSON, a missing field, an unknown role, an empty assistant turn). */
public enum MalformedInputPolicy {
    /** Warn with {@code file:line}, count it under its {@link SkipReason}, and go on. */
    SKIP,
    /** Throw a {@link DataFormatException} naming {@code file:line}. */
    STOP
}
