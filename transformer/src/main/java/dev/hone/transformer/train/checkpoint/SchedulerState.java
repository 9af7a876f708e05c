package dev.hone.transformer.train.checkpoint;

import dev.hone.autograd.optim.LearningRateSchedule;

/**
 * The learning-rate scheduler as saved in {@code scheduler.json} (the counterpart of Hugging Face's
 * {@code scheduler.pt}): the schedule's formula and parameters and the number of optimizer steps taken. A
 * schedule is a pure function of the step, so this restores it exactly.
 *
 * @param kind        constant, linear or cosine (the {@link LearningRateSchedule} record)
 * @param cycles      cosine cycles (0.5 is one half cosine; 0 keeps the peak after warm-up); 0 otherwise
 * @param stepsTaken  optimizer steps already taken; the next step uses {@code toSchedule().at(stepsTaken)}
 */
public record SchedulerState(String kind, double peak, long warmupSteps, long totalSteps, double cycles, long stepsTaken) {

    public static SchedulerState of(LearningRateSchedule schedule, long stepsTaken) {
        return switch (schedule) {
            case LearningRateSchedule.Constant c -> new SchedulerState("constant", c.peak(), 0, 0, 0, stepsTaken);
            case LearningRateSchedule.LinearWithWarmup l -> new SchedulerState("linear", l.peak(), l.warmupSteps(), l.totalSteps(), 0, stepsTaken);
            case LearningRateSchedule.CosineWithWarmup c -> new SchedulerState("cosine", c.peak(), c.warmupSteps(), c.totalSteps(), c.cycles(), stepsTaken);
        };
    }

    /**
     * The same schedule stretched or cut to {@code total} steps (a resumed run given another max_steps); a constant
     * schedule has no total and stays as it is.
     */
    public SchedulerState withTotalSteps(long total) {
        return kind.equals("constant") ? this : new SchedulerState(kind, peak, warmupSteps, total, cycles, stepsTaken);
    }

    public LearningRateSchedule toSchedule() {
        return switch (kind) {
            case "constant" -> new LearningRateSchedule.Constant(peak);
            case "linear" -> new LearningRateSchedule.LinearWithWarmup(peak, warmupSteps, totalSteps);
            case "cosine" -> new LearningRateSchedule.CosineWithWarmup(peak, warmupSteps, totalSteps, cycles);
            default -> throw new IllegalArgumentException("scheduler.json: unknown schedule kind '" + kind + "' (constant, linear, cosine)");
        };
    }
}
