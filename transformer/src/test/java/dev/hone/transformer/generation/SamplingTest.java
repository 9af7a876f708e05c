package dev.hone.transformer.generation;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Properties of the general sampler that follow from its definition: top-k 1 and a tiny top-p are
 * greedy, top-k 2 never leaves the two best tokens, and with no truncation the empirical frequencies
 * follow softmax(logits / temperature).
 */
class SamplingTest {
    private static final float[] LOGITS = {0.5f, 2.0f, -1.0f, 1.5f, 0.0f};

    private static int[] counts(Sampling sampling, int draws) {
        TokenSampler sampler = sampling.newSampler();
        int[] counts = new int[LOGITS.length];
        for (int i = 0; i < draws; i++) counts[sampler.sample(LOGITS.clone())]++;
        return counts;
    }

    @Test
    void truncationToOneTokenIsGreedy() {
        assertThat(counts(new Sampling.TopKTopP(1.0, 1, 1.0, 5), 200)[1]).isEqualTo(200);
        assertThat(counts(new Sampling.TopKTopP(1.0, 0, 1e-6, 5), 200)[1]).isEqualTo(200);
        assertThat(new Sampling.Greedy().newSampler().sample(LOGITS.clone())).isEqualTo(1);
    }

    @Test
    void topKKeepsOnlyTheBestTokens() {
        int[] c = counts(new Sampling.TopKTopP(1.0, 2, 1.0, 9), 2000);
        assertThat(c[0] + c[2] + c[4]).isZero();
        assertThat(c[1]).isGreaterThan(c[3]);
    }

    @Test
    void untruncatedFrequenciesFollowTheTemperedSoftmax() {
        double temperature = 0.7;
        int draws = 40_000;
        int[] c = counts(new Sampling.TopKTopP(temperature, 0, 1.0, 123), draws);
        double sum = 0;
        double[] p = new double[LOGITS.length];
        for (int i = 0; i < p.length; i++) sum += p[i] = Math.exp(LOGITS[i] / temperature);
        for (int i = 0; i < p.length; i++) assertThat(c[i] / (double) draws).as("token %d", i).isCloseTo(p[i] / sum, within(0.01));
    }

    @Test
    void invalidSettingsAreRejected() {
        assertThatThrownBy(() -> new Sampling.TopKTopP(0, 0, 0.9, 1)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new Xorshift64Star(0)).hasMessageContaining("seed 0");
    }
}
