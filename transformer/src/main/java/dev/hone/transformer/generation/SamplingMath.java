package dev.hone.transformer.generation;

/** Row operations the samplers share, on plain float arrays (single-threaded, allocation-free). */
final class SamplingMath {
    private SamplingMath() { }

    /** Index of the first largest value (run.c's {@code argmax}). */
    static int argmax(float[] x) {
        int best = 0;
        float max = x[0];
        for (int i = 1; i < x.length; i++) {
            if (x[i] > max) {
                best = i;
                max = x[i];
            }
        }
        return best;
    }

    /** In-place softmax in float arithmetic, as run.c's {@code softmax}: subtract the max, exp, divide by the sum. */
    static void softmax(float[] x, int n) {
        float max = x[0];
        for (int i = 1; i < n; i++) if (x[i] > max) max = x[i];
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < n; i++) x[i] /= sum;
    }

    /**
     * Sorts ids[0, n) by descending probability, equal probabilities by ascending id, without boxing:
     * non-negative floats order like their bit patterns, so (bits << 32 | (2^32 - 1 - id)) sorted
     * ascending and read backwards is the wanted order. {@code scratch} holds at least n longs.
     */
    static void sortByProbabilityDescending(int[] ids, int n, float[] probabilities, long[] scratch) {
        for (int i = 0; i < n; i++) {
            scratch[i] = ((long) Float.floatToIntBits(probabilities[ids[i]]) << 32) | (0xFFFFFFFFL - ids[i]);
        }
        java.util.Arrays.sort(scratch, 0, n);
        for (int i = 0; i < n; i++) ids[i] = (int) (0xFFFFFFFFL - (scratch[n - 1 - i] & 0xFFFFFFFFL));
    }
}
