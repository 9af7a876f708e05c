package dev.hone.transformer.train.monitor;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Training hit a NaN or infinite loss or gradient norm and stopped before the weights were updated with it.
 * Names the step, the quantity and its value, and the last complete checkpoint (left untouched) to resume from.
 */
public final class NonFiniteLossException extends IllegalStateException {
    private final long step;
    private final String quantity;
    private final Optional<Path> lastGoodCheckpoint;

    public NonFiniteLossException(long step, String quantity, String detail, Optional<Path> lastGoodCheckpoint) {
        super(message(step, quantity, detail, lastGoodCheckpoint));
        this.step = step;
        this.quantity = quantity;
        this.lastGoodCheckpoint = lastGoodCheckpoint;
    }

    public long step() { return step; }

    /** "loss" or "gradient norm". */
    public String quantity() { return quantity; }

    public Optional<Path> lastGoodCheckpoint() { return lastGoodCheckpoint; }

    private static String message(long step, String quantity, String detail, Optional<Path> checkpoint) {
        String where = checkpoint.map(p -> "the last good checkpoint is " + p + " (resume with --resume_from_checkpoint " + p + ")")
                .orElse("no checkpoint was written yet");
        return "training stopped at step " + step + ": the " + quantity + " is " + detail + "; the weights were not updated with it, and "
                + where + ". Lower learning_rate, enable max_grad_norm, or check the data of this step.";
    }
}
