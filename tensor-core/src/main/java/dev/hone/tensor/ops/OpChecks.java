package dev.hone.tensor.ops;

import dev.hone.tensor.DType;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;

import java.util.Arrays;

/**
 * Argument checks shared by the eager ops. Every failure is an {@link IllegalArgumentException} whose
 * message starts with the op name and names the shapes and dtypes involved, so a mismatch deep in a
 * model reads like "matmul: inner dimensions differ: [2, 3] F32 @ [4, 5] F32".
 */
public final class OpChecks {
    private OpChecks() { }

    /** "[2, 3] F32" */
    public static String describe(Tensor t) { return t.shape() + " " + t.dtype(); }

    public static void sameDType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes differ: " + describe(a) + " and " + describe(b)
                    + " (no implicit casts; use Ops.cast)");
        }
    }

    public static void sameDevice(String op, Tensor a, Tensor b) {
        if (!a.device().equals(b.device())) {
            throw new IllegalArgumentException(op + ": tensors on different devices: " + describe(a) + " on " + a.device()
                    + " and " + describe(b) + " on " + b.device());
        }
    }

    public static void floating(String op, Tensor t) {
        if (!t.dtype().isFloating()) throw new IllegalArgumentException(op + ": needs a floating tensor, got " + describe(t));
    }

    public static void numeric(String op, Tensor t) {
        if (t.dtype() == DType.BOOL) throw new IllegalArgumentException(op + ": not defined on BOOL tensors, got " + describe(t));
    }

    public static void dtype(String op, String role, Tensor t, DType expected) {
        if (t.dtype() != expected) {
            throw new IllegalArgumentException(op + ": " + role + " must be " + expected + ", got " + describe(t));
        }
    }

    public static void integerIndex(String op, Tensor index) {
        if (index.dtype() != DType.I32 && index.dtype() != DType.I64) {
            throw new IllegalArgumentException(op + ": index must be I32 or I64, got " + describe(index));
        }
    }

    public static void shape(String op, String role, Tensor t, Shape expected) {
        if (!t.shape().equals(expected)) {
            throw new IllegalArgumentException(op + ": " + role + " must have shape " + expected + ", got " + describe(t));
        }
    }

    public static void rank(String op, String role, Tensor t, int rank) {
        if (t.rank() != rank) throw new IllegalArgumentException(op + ": " + role + " must have rank " + rank + ", got " + describe(t));
    }

    /** Sorted distinct non-negative axes; no axes means all axes. */
    public static int[] normaliseAxes(String op, Shape shape, int... axes) {
        if (axes.length == 0) {
            int[] all = new int[shape.rank()];
            for (int i = 0; i < all.length; i++) all[i] = i;
            return all;
        }
        int[] result = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            int a = axes[i] < 0 ? axes[i] + shape.rank() : axes[i];
            if (a < 0 || a >= shape.rank()) {
                throw new IllegalArgumentException(op + ": axis " + axes[i] + " out of range for shape " + shape);
            }
            result[i] = a;
        }
        Arrays.sort(result);
        for (int i = 1; i < result.length; i++) {
            if (result[i] == result[i - 1]) throw new IllegalArgumentException(op + ": axis " + result[i] + " repeated in " + Arrays.toString(axes));
        }
        return result;
    }

    /** True when some axis of size > 1 has stride 0, i.e. distinct indices share memory (not writable in place). */
    public static boolean hasOverlap(Tensor t) {
        for (int a = 0; a < t.rank(); a++) if (t.dim(a) > 1 && t.stride(a) == 0) return true;
        return false;
    }

    public static void writable(String op, Tensor t) {
        if (hasOverlap(t)) {
            throw new IllegalArgumentException(op + ": destination " + t.layout() + " is a broadcast view (stride 0); it cannot be written in place");
        }
    }
}
