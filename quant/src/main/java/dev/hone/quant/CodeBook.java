package dev.hone.quant;

import java.util.Arrays;

/**
 * A quantization code book: up to 256 float32 values indexed by code, and the nearest-code search
 * bitsandbytes' reference kernels define (backends/default/ops.py): the code of x is the first index c
 * minimising the float32 distance {@code |x - values[c]|}, so on an exact tie the lower code wins;
 * NaN (e.g. the 0 * inf of an all-zero block) gets code 0, as torch's argmin gives.
 *
 * <p>The search is a binary search over the values sorted ascending, comparing only the two sorted
 * neighbours of x. That equals the full argmin because float32 subtraction is monotone and every
 * book here has neighbours at least 5e-7 apart while |x - v| stays within [0, 2], so two different
 * entries on one side of x never round to the same distance; entries of equal value (FP4's 0 and -0)
 * are merged into the lowest code. {@code CodeBookTest} checks this against the brute-force argmin.
 */
public final class CodeBook {
    private final float[] values;
    private final float[] sortedValues;
    private final int[] sortedCodes;

    private CodeBook(float[] values) {
        this.values = values.clone();
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> values[a] == values[b] ? Integer.compare(a, b) : Float.compare(values[a], values[b]));
        float[] sv = new float[values.length];
        int[] sc = new int[values.length];
        int n = 0;
        for (Integer code : order) {
            if (n > 0 && sv[n - 1] == values[code]) {
                sc[n - 1] = Math.min(sc[n - 1], code);
                continue;
            }
            sv[n] = values[code];
            sc[n] = code;
            n++;
        }
        this.sortedValues = Arrays.copyOf(sv, n);
        this.sortedCodes = Arrays.copyOf(sc, n);
    }

    /** A book over {@code values} (copied); 2 to 256 finite values. */
    public static CodeBook of(float[] values) {
        if (values.length < 2 || values.length > 256) {
            throw new IllegalArgumentException("code book: needs 2..256 values, got " + values.length);
        }
        for (float v : values) {
            if (!Float.isFinite(v)) throw new IllegalArgumentException("code book: non-finite value " + v + " in " + Arrays.toString(values));
        }
        return new CodeBook(values);
    }

    public int size() { return values.length; }

    public float value(int code) { return values[code]; }

    /** A copy of the values in code order. */
    public float[] values() { return values.clone(); }

    /** The code whose value is nearest to {@code x} (lower code on ties, 0 for NaN). */
    public int nearest(float x) {
        if (x != x) return 0;
        int lo = 0;
        int hi = sortedValues.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sortedValues[mid] < x) lo = mid + 1;
            else hi = mid;
        }
        if (lo == sortedValues.length) return sortedCodes[lo - 1];
        if (lo == 0) return sortedCodes[0];
        float above = Math.abs(x - sortedValues[lo]);
        float below = Math.abs(x - sortedValues[lo - 1]);
        if (below < above) return sortedCodes[lo - 1];
        if (above < below) return sortedCodes[lo];
        return Math.min(sortedCodes[lo], sortedCodes[lo - 1]);
    }

    /** The brute-force definition of {@link #nearest}: first index of the minimal float32 distance. */
    public int nearestByScan(float x) {
        if (x != x) return 0;
        int best = 0;
        float bestDistance = Math.abs(x - values[0]);
        for (int c = 1; c < values.length; c++) {
            float d = Math.abs(x - values[c]);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best;
    }

    @Override
    public boolean equals(Object o) { return o instanceof CodeBook b && Arrays.equals(values, b.values); }

    @Override
    public int hashCode() { return Arrays.hashCode(values); }

    @Override
    public String toString() { return "CodeBook" + Arrays.toString(values); }
}
