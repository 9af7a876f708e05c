package dev.hone.transformer.train.monitor;

import java.util.OptionalDouble;

/**
 * Patience on the validation loss, as Hugging Face's EarlyStoppingCallback: an evaluation improves when its loss
 * is below the best so far by more than {@code minDelta} ({@code early_stopping_threshold}); after
 * {@code patience} evaluations in a row without improvement, training should stop. The best loss follows every
 * decrease (even one smaller than minDelta), as the Trainer's {@code best_metric}. The state is a value, saved in
 * checkpoints, so a resumed run stops exactly where the uninterrupted one would.
 */
public final class EarlyStopping {

    /** What one evaluation means for the run. */
    public enum Verdict { IMPROVED, NOT_IMPROVED, STOP }

    /** The best loss seen and the count of evaluations since the last improvement. */
    public record State(OptionalDouble best, int evalsWithoutImprovement) {
        public static State initial() { return new State(OptionalDouble.empty(), 0); }
    }

    private final int patience;
    private final double minDelta;
    private State state;

    public EarlyStopping(int patience, double minDelta, State state) {
        if (patience < 1 || !(minDelta >= 0)) {
            throw new IllegalArgumentException("EarlyStopping: patience " + patience + " must be >= 1 and min delta " + minDelta + " >= 0");
        }
        this.patience = patience;
        this.minDelta = minDelta;
        this.state = state;
    }

    public EarlyStopping(int patience, double minDelta) { this(patience, minDelta, State.initial()); }

    /** Records one evaluation's loss. */
    public Verdict observe(double evalLoss) {
        if (!Double.isFinite(evalLoss)) throw new IllegalArgumentException("EarlyStopping.observe: eval loss is " + evalLoss);
        OptionalDouble best = state.best();
        boolean improved = best.isEmpty() || best.getAsDouble() - evalLoss > minDelta;
        OptionalDouble newBest = best.isEmpty() || evalLoss < best.getAsDouble() ? OptionalDouble.of(evalLoss) : best;
        int bad = improved ? 0 : state.evalsWithoutImprovement() + 1;
        state = new State(newBest, bad);
        if (improved) return Verdict.IMPROVED;
        return bad >= patience ? Verdict.STOP : Verdict.NOT_IMPROVED;
    }

    public State state() { return state; }

    public int patience() { return patience; }

    /** "eval loss has not improved by more than 0.0 on 2.3456 for 3 evaluations (patience 3)". */
    public String describeStop() {
        return String.format(java.util.Locale.ROOT, "eval loss has not improved by more than %s on its best %.4f for %d evaluations (patience %d)",
                minDelta, state.best().orElse(Double.NaN), state.evalsWithoutImprovement(), patience);
    }
}
