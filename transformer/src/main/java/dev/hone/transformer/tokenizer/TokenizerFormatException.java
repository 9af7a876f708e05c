package dev.hone.transformer.tokenizer;

/** A tokenizer file that is corrupt or uses a feature Hone does not support; the message names the file and field. */
public final class TokenizerFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenizerFormatException(String message) { super(message); }

    public TokenizerFormatException(String message, Throwable cause) { super(message, cause); }
}
