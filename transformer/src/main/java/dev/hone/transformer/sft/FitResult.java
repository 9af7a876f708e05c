package dev.hone.transformer.sft;

import dev.hone.transformer.data.DataStats;
import dev.hone.transformer.train.TrainingSummary;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What {@link Trainer#fit} returns: the summary (also written as summary.json), the starting model's and the
 * fine-tuned model's evaluations, the loss of every optimizer step this process ran (from
 * {@code firstStep}; earlier steps ran before a resume), the data statistics (skipped lines, truncated
 * examples, ...) and the directory holding the final adapter (or weights).
 */
public record FitResult(TrainingSummary summary, Optional<ModelEvaluation> before, ModelEvaluation after, long firstStep,
                        List<Double> stepLosses, DataStats dataStats, Path adapterDir) {
    public FitResult {
        stepLosses = List.copyOf(stepLosses);
    }

    /** The loss of the last optimizer step run by this process (NaN when it ran none). */
    public double finalLoss() { return stepLosses.isEmpty() ? Double.NaN : stepLosses.getLast(); }
}
