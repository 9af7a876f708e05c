package dev.hone.transformer.generation;

/**
 * llama2.c's random number generator (run.c {@code random_u32} / {@code random_f32}), a xorshift64*
 * generator (Vigna 2016): state ^= state >> 12; state ^= state << 25; state ^= state >> 27; output the
 * high 32 bits of state * 0x2545F4914F6CDD1D. Floats take the top 24 of those bits, so they are exactly
 * representable in [0, 1). The seed must not be 0 (the state would stay 0 forever).
 */
public final class Xorshift64Star {
    private long state;

    public Xorshift64Star(long seed) {
        if (seed == 0) throw new IllegalArgumentException("xorshift64*: seed 0 would yield only zeros");
        this.state = seed;
    }

    /** The next unsigned 32-bit value, as a long in [0, 2^32). */
    public long nextU32() {
        state ^= state >>> 12;
        state ^= state << 25;
        state ^= state >>> 27;
        return (state * 0x2545F4914F6CDD1DL) >>> 32;
    }

    /** The next float in [0, 1): (u32 >> 8) / 2^24. */
    public float nextFloat() { return (nextU32() >>> 8) / 16777216.0f; }
}
