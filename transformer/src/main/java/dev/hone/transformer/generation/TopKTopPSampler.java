package dev.hone.transformer.generation;

/**
 * Temperature, top-k and top-p sampling as Hugging Face's logits warpers apply them in order: logits /=
 * temperature; keep the k most likely tokens (k = 0: all); softmax over those; keep the shortest prefix
 * (by descending probability) whose cumulative probability reaches topP (at least one token); sample in
 * proportion to the kept probabilities with a seeded {@link Xorshift64Star}. Scratch arrays are reused.
 */
final class TopKTopPSampler implements TokenSampler {
    private final Sampling.TopKTopP settings;
    private final Xorshift64Star random;
    private int[] order = new int[0];
    private long[] scratch = new long[0];
    private float[] kept = new float[0];

    TopKTopPSampler(Sampling.TopKTopP settings) {
        this.settings = settings;
        this.random = new Xorshift64Star(settings.seed());
    }

    @Override
    public int sample(float[] logits) {
        int n = logits.length;
        if (order.length < n) {
            order = new int[n];
            scratch = new long[n];
            kept = new float[n];
        }
        float max = logits[SamplingMath.argmax(logits)];
        // probabilities up to a constant factor, only to sort; the real softmax follows over the kept set
        for (int i = 0; i < n; i++) {
            kept[i] = (float) Math.exp((logits[i] - max) / settings.temperature());
            order[i] = i;
        }
        SamplingMath.sortByProbabilityDescending(order, n, kept, scratch);
        int k = settings.topK() == 0 ? n : Math.min(settings.topK(), n);
        double total = 0;
        for (int i = 0; i < k; i++) total += kept[order[i]];
        int last = k - 1;
        double cumulative = 0;
        for (int i = 0; i < k; i++) {
            cumulative += kept[order[i]] / total;
            if (cumulative >= settings.topP()) {
                last = i;
                break;
            }
        }
        double keptMass = 0;
        for (int i = 0; i <= last; i++) keptMass += kept[order[i]];
        double r = random.nextFloat() * keptMass;
        double cdf = 0;
        for (int i = 0; i <= last; i++) {
            cdf += kept[order[i]];
            if (r < cdf) return order[i];
        }
        return order[last];
    }
}
