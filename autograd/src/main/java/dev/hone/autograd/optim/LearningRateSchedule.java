package dev.hone.autograd.optim;

/**
 * Learning rate as a function of the optimizer step (0-based: the rate used for the first update is
 * {@code at(0)}), with the formulas of Hugging Face transformers' get_constant_schedule,
 * get_linear_schedule_with_warmup and get_cosine_schedule_with_warmup (their LambdaLR multiplier
 * times the peak rate): warm-up step / max(1, warmup); then linear max(0, (total - step) / max(1, total - warmup))
 * or cosine max(0, (1 + cos(pi * 2 cycles * progress)) / 2) with progress = (step - warmup) / max(1, total - warmup).
 */
public sealed interface LearningRateSchedule {

    double at(long step);

    record Constant(double peak) implements LearningRateSchedule {
        public double at(long step) { return peak; }
    }

    record LinearWithWarmup(double peak, long warmupSteps, long totalSteps) implements LearningRateSchedule {
        public double at(long step) {
            if (step < warmupSteps) return peak * step / Math.max(1, warmupSteps);
            return peak * Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
        }
    }

    /** {@code cycles} 0.5 (the Hugging Face default) decays from the peak to 0 over one half cosine. */
    record CosineWithWarmup(double peak, long warmupSteps, long totalSteps, double cycles) implements LearningRateSchedule {
        public CosineWithWarmup(double peak, long warmupSteps, long totalSteps) { this(peak, warmupSteps, totalSteps, 0.5); }

        public double at(long step) {
            if (step < warmupSteps) return peak * step / Math.max(1, warmupSteps);
            double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
            return peak * Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * cycles * 2.0 * progress)));
        }
    }
}
