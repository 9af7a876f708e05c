package dev.hone.cuda.kernel;

import dev.hone.tensor.Layout;
import dev.hone.tensor.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Host image of the kernels' {@code struct Indexer} (src/main/cuda/common.cuh): up to four strided
 * views sharing one shape, so a kernel can walk the output in row-major order and find each operand's
 * element. Byte layout (little-endian, 328 bytes, 8-byte aligned): long long offset[4] at 0,
 * long long stride[4][8] at 32, int dim[8] at 288, int rank at 320, 4 bytes padding.
 */
public final class Indexer {
    public static final int MAX_RANK = 8;
    public static final int MAX_OPERANDS = 4;
    public static final int BYTES = 328;

    private Indexer() { }

    /** The struct for views of {@code shape}; layouts[i] must have that shape (operand 0 first). */
    public static KernelArg.Struct of(Shape shape, Layout... layouts) {
        int[] dims = shape.dims();
        long[][] strides = new long[layouts.length][];
        long[] offsets = new long[layouts.length];
        for (int k = 0; k < layouts.length; k++) {
            if (!layouts[k].shape().equals(shape)) throw new IllegalArgumentException("indexer: operand " + k + " has shape " + layouts[k].shape() + ", expected " + shape);
            strides[k] = layouts[k].strides();
            offsets[k] = layouts[k].offset();
        }
        return of(dims, strides, offsets);
    }

    /** The struct from raw dims, per-operand strides and offsets. Size-1 axes are dropped (they move nothing). */
    public static KernelArg.Struct of(int[] dims, long[][] strides, long[] offsets) {
        if (strides.length > MAX_OPERANDS) throw new IllegalArgumentException("indexer: " + strides.length + " operands, at most " + MAX_OPERANDS);
        int[] keep = java.util.stream.IntStream.range(0, dims.length).filter(a -> dims[a] != 1).toArray();
        if (keep.length > MAX_RANK) {
            throw new IllegalArgumentException("indexer: shape " + Arrays.toString(dims) + " has " + keep.length + " non-unit axes, kernels take at most " + MAX_RANK);
        }
        ByteBuffer b = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < strides.length; k++) b.putLong(8 * k, offsets[k]);
        for (int k = 0; k < strides.length; k++) {
            for (int j = 0; j < keep.length; j++) b.putLong(32 + 8 * (k * MAX_RANK + j), strides[k][keep[j]]);
        }
        for (int j = 0; j < keep.length; j++) b.putInt(288 + 4 * j, dims[keep[j]]);
        b.putInt(320, keep.length);
        return new KernelArg.Struct(b.array(), 8);
    }
}
