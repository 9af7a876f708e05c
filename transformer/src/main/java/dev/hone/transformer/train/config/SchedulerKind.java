package dev.hone.transformer.train.config;

/**
 * The learning-rate schedule after warm-up (Axolotl's {@code lr_scheduler}, Hugging Face's
 * {@code lr_scheduler_type}); the formulas are those of {@code dev.hone.autograd.optim.LearningRateSchedule}.
 */
public enum SchedulerKind {
    /** Half a cosine from the peak to 0 (get_cosine_schedule_with_warmup, Axolotl's default). */
    COSINE,
    /** A straight line from the peak to 0 (get_linear_schedule_with_warmup, Hugging Face's default). */
    LINEAR,
    /** The peak throughout after warm-up. */
    CONSTANT
}
