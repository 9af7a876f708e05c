package dev.hone.transformer.train.checkpoint;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A checkpoint could not be written (typically a full disk). Nothing was changed: the partial directory was
 * removed and the newest complete checkpoint, named in the message, is intact.
 */
public final class CheckpointWriteException extends IllegalStateException {
    private final long step;
    private final Optional<Path> previous;

    public CheckpointWriteException(long step, Path root, Optional<Path> previous, Throwable cause) {
        super("cannot write checkpoint-" + step + " in " + root + ": " + cause + "; nothing was changed, "
                + previous.map(p -> "the newest complete checkpoint is still " + p).orElse("no complete checkpoint exists yet")
                + ". Free disk space (or lower save_total_limit) and resume.", cause);
        this.step = step;
        this.previous = previous;
    }

    public long step() { return step; }

    /** The newest complete checkpoint, untouched by the failed write. */
    public Optional<Path> previous() { return previous; }
}
