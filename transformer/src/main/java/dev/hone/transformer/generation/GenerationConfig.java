package dev.hone.transformer.generation;

import java.util.Set;

/**
 * Limits and stopping rules of one generation: at most {@code maxNewTokens} sampled tokens; generation
 * ends early when a token in {@code stopTokens} is sampled (it is not emitted) or the model's context is
 * full.
 */
public record GenerationConfig(int maxNewTokens, Set<Integer> stopTokens, Sampling sampling) {

    public GenerationConfig {
        if (maxNewTokens < 0) throw new IllegalArgumentException("generation: max_new_tokens " + maxNewTokens + " is negative");
        stopTokens = Set.copyOf(stopTokens);
    }

    public static GenerationConfig greedy(int maxNewTokens, Set<Integer> stopTokens) {
        return new GenerationConfig(maxNewTokens, stopTokens, new Sampling.Greedy());
    }
}
