package dev.hone.tensor.reference;

import dev.hone.tensor.DType;
import dev.hone.tensor.Elements;
import dev.hone.tensor.StridedIndex;
import dev.hone.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Moves the elements of a host tensor view to and from Java arrays in row-major order of the view's
 * shape, whatever its strides, offset or dtype. Floating values travel as double (exact for every
 * floating dtype), integers as long (exact for I64). The reference kernels read whole operands with
 * these, compute on arrays, and write whole results back.
 */
final class HostValues {
    private HostValues() { }

    static double[] doubles(Tensor t) {
        MemorySegment seg = t.storage().segment();
        DType dtype = t.dtype();
        double[] out = new double[Math.toIntExact(t.numel())];
        StridedIndex it = new StridedIndex(t.layout());
        for (int i = 0; i < out.length; i++) out[i] = Elements.read(seg, dtype, it.next());
        return out;
    }

    static long[] longs(Tensor t) {
        MemorySegment seg = t.storage().segment();
        DType dtype = t.dtype();
        long[] out = new long[Math.toIntExact(t.numel())];
        StridedIndex it = new StridedIndex(t.layout());
        for (int i = 0; i < out.length; i++) out[i] = Elements.readLong(seg, dtype, it.next());
        return out;
    }

    /** Writes values[i] (rounded to out's dtype) to the i-th element of out in row-major order. */
    static void store(Tensor out, double[] values) {
        MemorySegment seg = out.storage().segment();
        DType dtype = out.dtype();
        StridedIndex it = new StridedIndex(out.layout());
        for (double v : values) Elements.write(seg, dtype, it.next(), v);
    }

    /** Writes integer values exactly (for integer dtypes) in row-major order. */
    static void storeLongs(Tensor out, long[] values) {
        MemorySegment seg = out.storage().segment();
        DType dtype = out.dtype();
        StridedIndex it = new StridedIndex(out.layout());
        for (long v : values) {
            long at = it.next();
            switch (dtype) {
                case I64 -> seg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, at, v);
                case I32 -> seg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, at, (int) v);
                default -> Elements.write(seg, dtype, at, v);
            }
        }
    }

    /** Row-major multi-index of flat position {@code flat} in a shape with {@code dims}. */
    static int[] unravel(long flat, int[] dims) {
        int[] index = new int[dims.length];
        for (int a = dims.length - 1; a >= 0; a--) {
            if (dims[a] == 0) return index;
            index[a] = (int) (flat % dims[a]);
            flat /= dims[a];
        }
        return index;
    }

    /** Row-major flat position of a multi-index. */
    static long ravel(int[] index, int[] dims) {
        long flat = 0;
        for (int a = 0; a < dims.length; a++) flat = flat * dims[a] + index[a];
        return flat;
    }
}
