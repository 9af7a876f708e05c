package dev.hone.tensor;

/**
 * Counter-based random numbers: every value is a pure function of (seed, element index), so any
 * backend, any thread split and any traversal order produce the same numbers for the same seed.
 *
 * <p>Definition (reproducible in any language): let {@code mix} be the SplitMix64 finaliser
 * (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014) and
 * {@code GAMMA = 0x9E3779B97F4A7C15}. The raw 64 bits for counter {@code c} are
 * {@code mix(mix(seed) + (c + 1) * GAMMA)}: the c-th output of a SplitMix64 generator whose state
 * starts at {@code mix(seed)}. A uniform double in [0, 1) is the top 53 bits times 2^-53.
 * <ul>
 *   <li>uniform(i): counter i, scaled to [a, b);</li>
 *   <li>normal(i): Box-Muller on counters 2i and 2i+1: sqrt(-2 ln(1 - u1)) * cos(2 pi u2);</li>
 *   <li>bernoulli(i): 1 when uniform(i) &lt; p.</li>
 * </ul>
 * Transcendentals use {@link StrictMath} so results are bit-identical on every JVM. No state.
 */
public final class CounterRandom {
    private CounterRandom() { }

    private static final long GAMMA = 0x9E3779B97F4A7C15L;

    /** The SplitMix64 output finaliser (variant 13 of Stafford's mixers). */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** 64 random bits for {@code counter} under {@code seed}. */
    public static long bits(long seed, long counter) {
        return mix(mix(seed) + (counter + 1) * GAMMA);
    }

    /** A double uniform in [0, 1) with 53 random bits. */
    public static double unit(long seed, long counter) {
        return (bits(seed, counter) >>> 11) * 0x1.0p-53;
    }

    /** Element {@code index} of a uniform fill over [a, b). */
    public static double uniform(long seed, long index, double a, double b) {
        return a + (b - a) * unit(seed, index);
    }

    /** Element {@code index} of a normal fill with the given mean and standard deviation. */
    public static double normal(long seed, long index, double mean, double std) {
        double u1 = unit(seed, 2 * index);
        double u2 = unit(seed, 2 * index + 1);
        double radius = StrictMath.sqrt(-2.0 * StrictMath.log(1.0 - u1));
        return mean + std * radius * StrictMath.cos(2.0 * StrictMath.PI * u2);
    }

    /** Element {@code index} of a Bernoulli fill: 1 with probability p, else 0. */
    public static double bernoulli(long seed, long index, double p) {
        return unit(seed, index) < p ? 1.0 : 0.0;
    }
}
