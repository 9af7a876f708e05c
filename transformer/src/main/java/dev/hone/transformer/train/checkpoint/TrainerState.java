package dev.hone.transformer.train.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.hone.transformer.train.metrics.MetricsRow;
import dev.hone.transformer.train.monitor.EarlyStopping;
import dev.hone.transformer.train.monitor.OverfitDetector;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Everything besides tensors that a resumed run needs to continue exactly where it stopped, saved as
 * {@code trainer_state.json} (the counterpart of Hugging Face's file of that name, whose key names it reuses
 * where they exist: {@code global_step}, {@code epoch}, {@code max_steps}, {@code best_metric},
 * {@code best_model_checkpoint}, {@code log_history}).
 *
 * @param globalStep       optimizer steps completed
 * @param epoch            fractional epochs completed
 * @param maxSteps         the run's total optimizer steps
 * @param dataState        the data iterator's position, opaque here (written and read by the data package)
 * @param bestEvalLoss     the lowest validation loss so far
 * @param bestCheckpoint   the checkpoint directory name holding it (kept by retention)
 * @param logHistory       every logged row up to this step
 * @param rng              seed and counters of the random streams
 * @param earlyStopping    early-stopping state
 * @param overfit          overfitting-detector state
 * @param tokensSeen       training tokens processed (unmasked or not, as the throughput counts them)
 * @param trainingSeconds  wall time spent training, summed over resumes
 */
public record TrainerState(long globalStep, double epoch, long maxSteps, JsonNode dataState, OptionalDouble bestEvalLoss,
                           Optional<String> bestCheckpoint, List<MetricsRow> logHistory, RngState rng,
                           EarlyStopping.State earlyStopping, OverfitDetector.State overfit, long tokensSeen, double trainingSeconds) {
    public TrainerState {
        logHistory = List.copyOf(logHistory);
        dataState = canonical(dataState);
        if (globalStep < 0) throw new IllegalArgumentException("TrainerState: global step " + globalStep + " < 0");
    }

    /**
     * A copy with canonical number nodes (the smallest integer node that holds each value, as a JSON parser
     * makes them), so a state equals itself after a write/read round trip.
     */
    private static JsonNode canonical(JsonNode node) {
        if (node == null) return NullNode.instance;
        try {
            return new ObjectMapper().readTree(node.toString());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("TrainerState: the data state is not serialisable JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The same state with another total (a resumed run given another max_steps). */
    public TrainerState withMaxSteps(long steps) {
        return new TrainerState(globalStep, epoch, steps, dataState, bestEvalLoss, bestCheckpoint, logHistory, rng, earlyStopping,
                overfit, tokensSeen, trainingSeconds);
    }

    /** The state before the first step. */
    public static TrainerState initial(long maxSteps, long seed) {
        return new TrainerState(0, 0, maxSteps, NullNode.instance, OptionalDouble.empty(), Optional.empty(), List.of(),
                RngState.of(seed), EarlyStopping.State.initial(), OverfitDetector.State.initial(), 0, 0);
    }
}
