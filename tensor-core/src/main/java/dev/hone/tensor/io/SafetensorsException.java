package dev.hone.tensor.io;

import java.nio.file.Path;

/**
 * Any failure to read or write a safetensors file: a malformed or inconsistent header, a truncated
 * file, an unsupported dtype, an I/O error, a tensor that cannot be written. The message always names
 * the file and, where one is involved, the tensor: {@code "<file>: tensor '<name>': <what is wrong>"}.
 */
public final class SafetensorsException extends RuntimeException {
    private final transient Path file;
    private final String tensor;

    public SafetensorsException(Path file, String tensor, String detail, Throwable cause) {
        super(describe(file, tensor, detail), cause);
        this.file = file;
        this.tensor = tensor;
    }

    public SafetensorsException(Path file, String tensor, String detail) { this(file, tensor, detail, null); }

    /** A failure of the file as a whole, not of one tensor. */
    public static SafetensorsException ofFile(Path file, String detail) { return new SafetensorsException(file, null, detail); }

    private static String describe(Path file, String tensor, String detail) {
        return file + (tensor == null ? "" : ": tensor '" + tensor + "'") + ": " + detail;
    }

    /** The file being read or written. */
    public Path file() { return file; }

    /** The tensor involved, or null when the failure concerns the file as a whole. */
    public String tensor() { return tensor; }
}
