package dev.hone.transformer.generation;

/**
 * llama2.c run.c's sampler, step for step (karpathy/llama2.c {@code sample}, {@code sample_topp}):
 * temperature 0 → argmax; otherwise logits /= temperature, softmax; with 0 < topP < 1, nucleus sampling:
 * drop probabilities below (1 - topP) / (n - 1) (they can never be in the nucleus), sort the rest by
 * descending probability, keep the shortest prefix whose cumulative probability exceeds topP, and pick
 * the first whose running sum exceeds coin * cumulative; else plain multinomial sampling with the coin.
 * All arithmetic is float, as in C, so equal seeds give equal tokens.
 */
final class Llama2cSampler implements TokenSampler {
    private final float temperature;
    private final float topP;
    private final Xorshift64Star random;
    private int[] candidates = new int[0];
    private long[] scratch = new long[0];

    Llama2cSampler(float temperature, float topP, Xorshift64Star random) {
        this.temperature = temperature;
        this.topP = topP;
        this.random = random;
    }

    @Override
    public int sample(float[] logits) {
        if (temperature == 0f) return SamplingMath.argmax(logits);
        int n = logits.length;
        for (int i = 0; i < n; i++) logits[i] /= temperature;
        SamplingMath.softmax(logits, n);
        float coin = random.nextFloat();
        return topP <= 0 || topP >= 1 ? multinomial(logits, coin) : nucleus(logits, coin);
    }

    private static int multinomial(float[] probabilities, float coin) {
        float cdf = 0f;
        for (int i = 0; i < probabilities.length; i++) {
            cdf += probabilities[i];
            if (coin < cdf) return i;
        }
        return probabilities.length - 1;
    }

    private int nucleus(float[] probabilities, float coin) {
        int n = probabilities.length;
        if (candidates.length < n) {
            candidates = new int[n];
            scratch = new long[n];
        }
        float cutoff = (1.0f - topP) / (n - 1);
        int kept = 0;
        for (int i = 0; i < n; i++) if (probabilities[i] >= cutoff) candidates[kept++] = i;
        SamplingMath.sortByProbabilityDescending(candidates, kept, probabilities, scratch);
        float cumulative = 0f;
        int last = kept - 1;
        for (int i = 0; i < kept; i++) {
            cumulative += probabilities[candidates[i]];
            if (cumulative > topP) {
                last = i;
                break;
            }
        }
        float r = coin * cumulative;
        float cdf = 0f;
        for (int i = 0; i <= last; i++) {
            cdf += probabilities[candidates[i]];
            if (r < cdf) return candidates[i];
        }
        return candidates[last];
    }
}
