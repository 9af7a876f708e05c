package dev.hone.transformer.train.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The model side of a checkpoint, supplied by the trainer: writes the adapter (PEFT files) or the full weights
 * into {@code directory}, a fresh temporary directory that {@link CheckpointStore} fsyncs and renames into place
 * only after every part succeeded. It must write only inside {@code directory}; an exception (e.g. an
 * IOException for a full disk) abandons the whole checkpoint and leaves earlier ones untouched.
 */
@FunctionalInterface
public interface CheckpointPayload {
    void writeTo(Path directory) throws IOException;
}
