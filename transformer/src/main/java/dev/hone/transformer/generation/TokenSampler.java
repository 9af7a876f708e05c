package dev.hone.transformer.generation;

/**
 * Picks the next token from one position's logits. Samplers may keep state (a random generator) and may
 * overwrite {@code logits}; one sampler serves one generated sequence.
 */
public interface TokenSampler {

    /** The chosen token id in [0, logits.length). */
    int sample(float[] logits);
}
