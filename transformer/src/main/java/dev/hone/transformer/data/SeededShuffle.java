package dev.hone.transformer.data;

/**
 * Deterministic permutations that depend only on (seed, stream) and not on the JDK version: a Fisher–Yates
 * shuffle driven by SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA
 * 2014), with the state started at {@code seed + stream·0x9E3779B97F4A7C15}. Distinct streams give unrelated
 * orders (the split, the packing order, each epoch's row order).
 */
final class SeededShuffle {
    /** Stream of the train/validation split. */
    static final long SPLIT = 1;
    /** Stream of the order in which examples are packed into rows. */
    static final long PACKING = 2;
    /** Streams of the epochs' row orders are EPOCH_BASE + epoch. */
    static final long EPOCH_BASE = 1L << 32;

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private SeededShuffle() {}

    /** A permutation of 0..n-1. */
    static int[] permutation(int n, long seed, long stream) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        long state = seed + stream * GOLDEN_GAMMA;
        for (int i = n - 1; i > 0; i--) {
            state += GOLDEN_GAMMA;
            int j = (int) Long.remainderUnsigned(mix(state), i + 1L);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
