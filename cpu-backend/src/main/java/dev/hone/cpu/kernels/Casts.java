package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Conversions between host memory (F32, BF16, F16 elements of a {@link MemorySegment}) and F32 working
 * arrays. Every kernel in this package computes on {@code float[]}; these loaders and storers are the
 * only place that knows element formats.
 *
 * <p>BF16 widening is exact (a 16-bit shift). BF16 narrowing rounds to nearest even and keeps NaN a
 * quiet NaN, bit for bit as {@code dev.hone.tensor.Elements.floatToBf16}. F16 uses
 * {@link Float#float16ToFloat} / {@link Float#floatToFloat16} (round to nearest even). Offsets and
 * strides are in elements, not bytes.
 */
public final class Casts {
    private Casts() { }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** dst[pos..pos+n) = F32 elements starting at element {@code start}, every {@code stride}. */
    public static void loadF32(MemorySegment seg, long start, long stride, float[] dst, int pos, int n) {
        if (stride == 1) MemorySegment.copy(seg, F32, start * 4, dst, pos, n);
        else if (stride == 0) java.util.Arrays.fill(dst, pos, pos + n, seg.getAtIndex(F32, start));
        else loadF32Strided(seg, start, stride, dst, pos, n);
    }

    private static void loadF32Strided(MemorySegment seg, long start, long stride, float[] dst, int pos, int n) {
        for (int i = 0; i < n; i++) dst[pos + i] = seg.getAtIndex(F32, start + i * stride);
    }

    public static void storeF32(float[] src, int pos, int n, MemorySegment seg, long start, long stride) {
        if (stride == 1) MemorySegment.copy(src, pos, seg, F32, start * 4, n);
        else storeF32Strided(src, pos, n, seg, start, stride);
    }

    private static void storeF32Strided(float[] src, int pos, int n, MemorySegment seg, long start, long stride) {
        for (int i = 0; i < n; i++) seg.setAtIndex(F32, start + i * stride, src[pos + i]);
    }

    /**
     * Rows of {@code cols} F32 elements, {@code rowStride} elements apart from element {@code start}, into
     * dst rows {@code width} apart from {@code pos}: whole vectors per row, one bulk copy per row's tail.
     * For short rows (an attention head's 64 floats) this beats a bulk copy per row by its per-call cost.
     */
    public static void loadF32Rows(MemorySegment seg, long start, long rowStride, int rows, int cols, float[] dst, int pos, int width) {
        int vectorCols = F.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            long from = (start + r * rowStride) * 4;
            int to = pos + r * width;
            for (int j = 0; j < vectorCols; j += F.length()) {
                FloatVector.fromMemorySegment(F, seg, from + j * 4L, LE).intoArray(dst, to + j);
            }
            if (vectorCols < cols) MemorySegment.copy(seg, F32, from + vectorCols * 4L, dst, to + vectorCols, cols - vectorCols);
        }
    }

    /** The inverse of {@link #loadF32Rows}: src rows {@code width} apart into rows {@code rowStride} apart. */
    public static void storeF32Rows(float[] src, int pos, int width, int rows, int cols, MemorySegment seg, long start, long rowStride) {
        int vectorCols = F.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            long to = (start + r * rowStride) * 4;
            int from = pos + r * width;
            for (int j = 0; j < vectorCols; j += F.length()) {
                FloatVector.fromArray(F, src, from + j).intoMemorySegment(seg, to + j * 4L, LE);
            }
            if (vectorCols < cols) MemorySegment.copy(src, from + vectorCols, seg, F32, to + vectorCols * 4L, cols - vectorCols);
        }
    }

    public static void loadBf16(MemorySegment seg, long start, long stride, float[] dst, int pos, int n) {
        if (stride == 1) loadBf16Contiguous(seg, start, dst, pos, n);
        else if (stride == 0) java.util.Arrays.fill(dst, pos, pos + n, bf16ToFloat(seg.getAtIndex(I16, start)));
        else loadBf16Strided(seg, start, stride, dst, pos, n);
    }

    private static void loadBf16Contiguous(MemorySegment seg, long start, float[] dst, int pos, int n) {
        int i = 0;
        long base = start * 2;
        for (int upper = S.loopBound(n); i < upper; i += S.length()) {
            ShortVector bits = ShortVector.fromMemorySegment(S, seg, base + i * 2L, LE);
            IntVector wide = (IntVector) bits.convertShape(VectorOperators.S2I, I, 0);
            wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, pos + i);
        }
        for (; i < n; i++) dst[pos + i] = bf16ToFloat(seg.getAtIndex(I16, start + i));
    }

    private static void loadBf16Strided(MemorySegment seg, long start, long stride, float[] dst, int pos, int n) {
        for (int i = 0; i < n; i++) dst[pos + i] = bf16ToFloat(seg.getAtIndex(I16, start + i * stride));
    }

    public static void storeBf16(float[] src, int pos, int n, MemorySegment seg, long start, long stride) {
        if (stride == 1) storeBf16Contiguous(src, pos, n, seg, start);
        else storeBf16Strided(src, pos, n, seg, start, stride);
    }

    private static void storeBf16Contiguous(float[] src, int pos, int n, MemorySegment seg, long start) {
        int i = 0;
        long base = start * 2;
        for (int upper = S.loopBound(n); i < upper; i += S.length()) {
            FloatVector v = FloatVector.fromArray(F, src, pos + i);
            IntVector bits = v.reinterpretAsInts();
            IntVector high = bits.lanewise(VectorOperators.LSHR, 16);
            IntVector rounded = bits.add(high.and(1).add(0x7fff)).lanewise(VectorOperators.LSHR, 16);
            VectorMask<Integer> nan = v.test(VectorOperators.IS_NAN).cast(I);
            IntVector result = rounded.blend(high.or(0x40), nan);
            ((ShortVector) result.convertShape(VectorOperators.I2S, S, 0)).intoMemorySegment(seg, base + i * 2L, LE);
        }
        for (; i < n; i++) seg.setAtIndex(I16, start + i, floatToBf16(src[pos + i]));
    }

    private static void storeBf16Strided(float[] src, int pos, int n, MemorySegment seg, long start, long stride) {
        for (int i = 0; i < n; i++) seg.setAtIndex(I16, start + i * stride, floatToBf16(src[pos + i]));
    }

    public static void loadF16(MemorySegment seg, long start, long stride, float[] dst, int pos, int n) {
        for (int i = 0; i < n; i++) dst[pos + i] = Float.float16ToFloat(seg.getAtIndex(I16, start + i * stride));
    }

    public static void storeF16(float[] src, int pos, int n, MemorySegment seg, long start, long stride) {
        for (int i = 0; i < n; i++) seg.setAtIndex(I16, start + i * stride, Float.floatToFloat16(src[pos + i]));
    }

    public static float bf16ToFloat(short bits) { return Float.intBitsToFloat((bits & 0xffff) << 16); }

    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x0040);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }
}
