package dev.hone.transformer.train.monitor;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Stops training on a NaN or infinite loss (checked after the forward pass) or gradient norm (checked before
 * the optimizer step), so no non-finite value reaches the weights or a checkpoint. The thrown
 * {@link NonFiniteLossException} names the step and the last complete checkpoint, asked of
 * {@code lastGoodCheckpoint} at that moment (typically {@code CheckpointStore::latest}).
 */
public final class NonFiniteLossGuard {
    private final Supplier<Optional<Path>> lastGoodCheckpoint;

    public NonFiniteLossGuard(Supplier<Optional<Path>> lastGoodCheckpoint) {
        this.lastGoodCheckpoint = lastGoodCheckpoint;
    }

    /** Throws when {@code loss} (of the micro-batch or the accumulated step {@code step}) is NaN or infinite. */
    public void checkLoss(long step, double loss) {
        if (!Double.isFinite(loss)) throw new NonFiniteLossException(step, "loss", Double.toString(loss), lastGoodCheckpoint.get());
    }

    /** Throws when the global gradient norm of step {@code step} is NaN or infinite. */
    public void checkGradNorm(long step, double gradNorm) {
        if (!Double.isFinite(gradNorm)) {
            throw new NonFiniteLossException(step, "gradient norm", Double.toString(gradNorm), lastGoodCheckpoint.get());
        }
    }

    /**
     * The exception for a non-finite gradient found elsewhere (e.g. the IllegalStateException of
     * {@code GradientClipping.clipGradNorm}, whose message names the parameter), keeping that cause.
     */
    public NonFiniteLossException nonFiniteGradient(long step, RuntimeException cause) {
        NonFiniteLossException e = new NonFiniteLossException(step, "gradient norm", "not finite (" + cause.getMessage() + ")",
                lastGoodCheckpoint.get());
        e.initCause(cause);
        return e;
    }
}
