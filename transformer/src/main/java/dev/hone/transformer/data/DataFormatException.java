package dev.hone.transformer.data;

/**
 * An input line or record that cannot be used, or an unreadable data file. The message starts with
 * {@code file:line} (when known) and names the problem; {@link #reason()} classifies it.
 */
public final class DataFormatException extends RuntimeException {
    private final SkipReason reason;

    public DataFormatException(SourceLocation where, SkipReason reason, String problem) {
        super(where + ": " + reason.description() + ": " + problem);
        this.reason = reason;
    }

    public DataFormatException(String message, Throwable cause) {
        super(message, cause);
        this.reason = null;
    }

    /** The classification, or null for a file-level failure (unreadable file). */
    public SkipReason reason() { return reason; }
}
