package dev.hone.transformer.train.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A checkpoint could not be written (typically a full disk; the message advises freeing space only when an I/O
 * error caused it). Nothing was changed: the partial directory was removed and the newest complete checkpoint, named
 * in the message, is intact.
 */
public final class CheckpointWriteException extends IllegalStateException {
    private final long step;
    private final Optional<Path> previous;

    public CheckpointWriteException(long step, Path root, Optional<Path> previous, Throwable cause) {
        super("cannot write checkpoint-" + step + " in " + root + ": " + cause + "; nothing was changed, "
                + previous.map(p -> "the newest complete checkpoint is still " + p).orElse("no complete checkpoint exists yet")
                + (isIoFailure(cause) ? ". Free disk space (or lower save_total_limit) and resume."
                        : ". This is not an I/O error: the cause above names what could not be saved."), cause);
        this.step = step;
        this.previous = previous;
    }

    /** Whether an I/O error is anywhere in the cause chain (a full disk, a lost mount), so freeing space may help. */
    private static boolean isIoFailure(Throwable cause) {
        Throwable t = cause;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {            // bounded: cause chains may loop
            if (t instanceof IOException) return true;
        }
        return false;
    }

    public long step() { return step; }

    /** The newest complete checkpoint, untouched by the failed write. */
    public Optional<Path> previous() { return previous; }
}
