package dev.hone.transformer.train.monitor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Warns when the model starts to overfit: the validation loss rose at each of the last {@code k} evaluations
 * while the training loss (the caller's mean since the previous evaluation) fell over the same window. One
 * warning per episode: it re-arms once the validation loss goes down again. The state is a value, saved in
 * checkpoints so a resumed run warns where the uninterrupted one would.
 */
public final class OverfitDetector {

    /** The training and validation loss at one evaluation. */
    public record Point(long step, double trainLoss, double evalLoss) { }

    /** The last k + 1 points and whether the current episode was already reported. */
    public record State(List<Point> recent, boolean warned) {
        public State { recent = List.copyOf(recent); }

        public static State initial() { return new State(List.of(), false); }
    }

    private final int risingEvals;
    private State state;

    public OverfitDetector(int risingEvals, State state) {
        if (risingEvals < 1) throw new IllegalArgumentException("OverfitDetector: risingEvals " + risingEvals + " must be >= 1");
        this.risingEvals = risingEvals;
        this.state = state;
    }

    /** Warns after 2 rises in a row, a common reading of "validation loss keeps rising". */
    public OverfitDetector() { this(2, State.initial()); }

    /** Records one evaluation; returns the warning when this evaluation completes an overfitting window. */
    public Optional<String> observe(long step, double trainLoss, double evalLoss) {
        List<Point> recent = new ArrayList<>(state.recent());
        boolean warned = state.warned();
        if (!recent.isEmpty() && evalLoss < recent.getLast().evalLoss()) warned = false;
        recent.add(new Point(step, trainLoss, evalLoss));
        while (recent.size() > risingEvals + 1) recent.removeFirst();
        Optional<String> warning = Optional.empty();
        if (!warned && recent.size() == risingEvals + 1 && evalRoseEachTime(recent)
                && recent.getLast().trainLoss() < recent.getFirst().trainLoss()) {
            warned = true;
            Point first = recent.getFirst();
            Point last = recent.getLast();
            warning = Optional.of(String.format(Locale.ROOT,
                    "possible overfitting: validation loss rose at %d evaluations in a row (%.4f at step %d -> %.4f at step %d) while "
                            + "training loss fell (%.4f -> %.4f); consider fewer epochs, a lower learning_rate, more lora_dropout, "
                            + "or early_stopping_patience", risingEvals, first.evalLoss(), first.step(), last.evalLoss(), last.step(),
                    first.trainLoss(), last.trainLoss()));
        }
        state = new State(recent, warned);
        return warning;
    }

    public State state() { return state; }

    private static boolean evalRoseEachTime(List<Point> points) {
        for (int i = 1; i < points.size(); i++) {
            if (!(points.get(i).evalLoss() > points.get(i - 1).evalLoss())) return false;
        }
        return true;
    }
}
