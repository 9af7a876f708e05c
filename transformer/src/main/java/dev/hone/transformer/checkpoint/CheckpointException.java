package dev.hone.transformer.checkpoint;

import java.nio.file.Path;

/** A checkpoint that cannot be loaded; the message starts with the file and names the tensor or field at fault. */
public final class CheckpointException extends RuntimeException {
    public CheckpointException(Path file, String problem) { super(file + ": " + problem); }

    public CheckpointException(Path file, String problem, Throwable cause) { super(file + ": " + problem, cause); }
}
