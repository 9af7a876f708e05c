package dev.hone.transformer.train.monitor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

import static dev.hone.transformer.train.monitor.EarlyStopping.Verdict.IMPROVED;
import static dev.hone.transformer.train.monitor.EarlyStopping.Verdict.NOT_IMPROVED;
import static dev.hone.transformer.train.monitor.EarlyStopping.Verdict.STOP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Early stopping and the overfitting warning on synthetic loss curves. */
class EarlyStoppingAndOverfitTest {

    private static List<EarlyStopping.Verdict> run(EarlyStopping es, double... losses) {
        List<EarlyStopping.Verdict> out = new ArrayList<>();
        for (double l : losses) out.add(es.observe(l));
        return out;
    }

    @Test
    void stopsAfterPatienceEvaluationsWithoutImprovement() {
        assertThat(run(new EarlyStopping(2, 0.0), 2.0, 1.5, 1.6, 1.4, 1.45, 1.41))
                .containsExactly(IMPROVED, IMPROVED, NOT_IMPROVED, IMPROVED, NOT_IMPROVED, STOP);
    }

    @Test
    void improvementsSmallerThanTheThresholdDoNotResetPatienceButMoveTheBest() {
        EarlyStopping es = new EarlyStopping(3, 0.05);
        assertThat(run(es, 2.0, 1.97, 1.94, 1.93)).containsExactly(IMPROVED, NOT_IMPROVED, NOT_IMPROVED, STOP);
        assertThat(es.state()).isEqualTo(new EarlyStopping.State(OptionalDouble.of(1.93), 3));
        assertThat(es.describeStop()).contains("1.9300").contains("3 evaluations (patience 3)");
    }

    @Test
    void aRestoredStateContinuesExactlyLikeTheUninterruptedRun() {
        EarlyStopping straight = new EarlyStopping(2, 0.0);
        List<EarlyStopping.Verdict> all = run(straight, 2.0, 2.1, 1.9, 2.0, 2.2);
        EarlyStopping first = new EarlyStopping(2, 0.0);
        run(first, 2.0, 2.1, 1.9);
        EarlyStopping resumed = new EarlyStopping(2, 0.0, first.state());
        assertThat(run(resumed, 2.0, 2.2)).isEqualTo(all.subList(3, 5));
        assertThatThrownBy(() -> resumed.observe(Double.NaN)).hasMessageContaining("eval loss is NaN");
    }

    @Test
    void warnsOnceWhenValidationRisesWhileTrainingFalls() {
        OverfitDetector d = new OverfitDetector();
        // falling together: fine
        assertThat(d.observe(10, 3.0, 3.2)).isEmpty();
        assertThat(d.observe(20, 2.5, 2.8)).isEmpty();
        // validation turns up while training keeps falling: one rise is not enough (k = 2)
        assertThat(d.observe(30, 2.0, 2.9)).isEmpty();
        Optional<String> warning = d.observe(40, 1.6, 3.1);
        assertThat(warning).get().asString().contains("validation loss rose at 2 evaluations in a row")
                .contains("2.8000 at step 20 -> 3.1000 at step 40").contains("training loss fell (2.5000 -> 1.6000)");
        assertThat(d.observe(50, 1.3, 3.4)).as("one warning per episode").isEmpty();
        // validation recovers, then rises again: a new episode warns again
        assertThat(d.observe(60, 1.2, 3.0)).isEmpty();
        assertThat(d.observe(70, 1.1, 3.1)).isEmpty();
        assertThat(d.observe(80, 1.0, 3.3)).isPresent();
    }

    @Test
    void doesNotWarnWhenTrainingLossRisesToo() {
        OverfitDetector d = new OverfitDetector(2, OverfitDetector.State.initial());
        d.observe(10, 2.0, 2.0);
        d.observe(20, 2.1, 2.1);
        assertThat(d.observe(30, 2.2, 2.2)).isEmpty();   // divergence, not overfitting
        assertThat(d.state().recent()).hasSize(3);
    }
}
