package dev.hone.transformer.generation;

/**
 * How generation chooses tokens; {@link #newSampler} makes the stateful {@link TokenSampler} for one
 * sequence. {@link Greedy}: the first most likely token. {@link TopKTopP}: temperature, then top-k, then
 * nucleus (top-p, Holtzman et al. 2020) sampling with a seeded xorshift64* generator. {@link Llama2c}:
 * llama2.c run.c's sampler reproduced operation for operation, so its documented samples come out
 * identical for the same seed.
 */
public sealed interface Sampling {

    TokenSampler newSampler();

    /** Argmax (ties go to the lowest id, as run.c's {@code argmax}). */
    record Greedy() implements Sampling {
        @Override
        public TokenSampler newSampler() { return SamplingMath::argmax; }
    }

    /**
     * Temperature > 0; topK = 0 keeps every token; topP in (0, 1], 1 keeps every token; seed != 0.
     */
    record TopKTopP(double temperature, int topK, double topP, long seed) implements Sampling {
        public TopKTopP {
            if (!(temperature > 0) || topK < 0 || !(topP > 0 && topP <= 1) || seed == 0) {
                throw new IllegalArgumentException("sampling: need temperature > 0, top_k >= 0, 0 < top_p <= 1 and seed != 0, got " + this);
            }
        }

        @Override
        public TokenSampler newSampler() { return new TopKTopPSampler(this); }
    }

    /** run.c: temperature 0 is greedy; topP outside (0, 1) samples from the whole distribution. */
    record Llama2c(float temperature, float topP, long seed) implements Sampling {
        public Llama2c {
            if (temperature < 0 || seed == 0) throw new IllegalArgumentException("llama2.c sampling: need temperature >= 0 and seed != 0, got " + this);
        }

        @Override
        public TokenSampler newSampler() { return new Llama2cSampler(temperature, topP, new Xorshift64Star(seed)); }
    }
}
