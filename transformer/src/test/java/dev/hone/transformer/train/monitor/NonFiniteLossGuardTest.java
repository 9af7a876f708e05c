package dev.hone.transformer.train.monitor;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** NaN/Inf loss or gradient norm stops training, naming the step and the last good checkpoint. */
class NonFiniteLossGuardTest {

    @Test
    void finiteValuesPassAndNonFiniteOnesNameTheStepAndCheckpoint() {
        AtomicReference<Optional<Path>> latest = new AtomicReference<>(Optional.empty());
        NonFiniteLossGuard guard = new NonFiniteLossGuard(latest::get);
        guard.checkLoss(1, 2.5);
        guard.checkGradNorm(1, 1e30);

        assertThatThrownBy(() -> guard.checkLoss(7, Double.NaN)).isInstanceOf(NonFiniteLossException.class)
                .hasMessageContaining("training stopped at step 7: the loss is NaN").hasMessageContaining("no checkpoint was written yet");

        latest.set(Optional.of(Path.of("out/checkpoints/checkpoint-30")));
        NonFiniteLossException e = catchThrowableOfType(NonFiniteLossException.class, () -> guard.checkGradNorm(37, Double.POSITIVE_INFINITY));
        assertThat(e.step()).isEqualTo(37);
        assertThat(e.quantity()).isEqualTo("gradient norm");
        assertThat(e.lastGoodCheckpoint()).contains(Path.of("out/checkpoints/checkpoint-30"));
        assertThat(e).hasMessageContaining("the gradient norm is Infinity")
                .hasMessageContaining("the last good checkpoint is out/checkpoints/checkpoint-30 (resume with --resume_from_checkpoint");
    }

    @Test
    void wrapsAClippingFailureKeepingItsCause() {
        NonFiniteLossGuard guard = new NonFiniteLossGuard(Optional::empty);
        IllegalStateException clip = new IllegalStateException("clipGradNorm at step 3: gradient norm is NaN; first non-finite gradient: 'w' [2, 2]");
        NonFiniteLossException e = guard.nonFiniteGradient(3, clip);
        assertThat(e).hasCause(clip).hasMessageContaining("'w' [2, 2]").hasMessageContaining("step 3");
    }
}
