package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;

/**
 * The sum of a vector's lanes in one fixed order, the same in interpreted, C1- and C2-compiled code.
 * {@code reduceLanes(ADD)} leaves the order to the implementation (the interpreter adds lanes left to
 * right, C2 uses a tree), so float sums through it change their last bits when a method gets compiled,
 * which breaks bit-for-bit reproducible training. Here the lanes go to a scratch array and are added as
 * a halving tree: lane i += lane i + w for w = lanes/2, lanes/4, ..., 1 (independent adds per level, so
 * it costs a few cycles more than reduceLanes, not lanes-1 dependent adds).
 */
public final class LaneSum {
    private LaneSum() { }

    /** Sum of v's lanes; {@code scratch} holds at least v.length() floats and is overwritten. */
    public static float of(FloatVector v, float[] scratch) {
        v.intoArray(scratch, 0);
        return ofRange(scratch, 0, v.length());
    }

    /** Sum of v's lanes with a fresh scratch array (for callers without one). */
    public static float of(FloatVector v) {
        return of(v, new float[v.length()]);
    }

    /**
     * Sum of t[at .. at + lanes) (lanes a power of two) in the same halving order as {@link #of}; overwrites
     * that range.
     */
    public static float ofRange(float[] t, int at, int lanes) {
        for (int w = lanes >> 1; w > 0; w >>= 1) {
            for (int i = at; i < at + w; i++) t[i] += t[i + w];
        }
        return t[at];
    }
}
