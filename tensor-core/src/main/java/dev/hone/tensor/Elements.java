package dev.hone.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads and writes single elements of host memory as double, whatever the dtype, and converts the
 * 16-bit float formats. Slow paths for tests, I/O and reference code; kernels use their own loops.
 * BF16 narrowing rounds to nearest even and keeps NaN a NaN.
 */
public final class Elements {
    private Elements() { }

    public static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    public static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    public static float bf16ToFloat(short bits) { return Float.intBitsToFloat((bits & 0xffff) << 16); }

    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x0040);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    public static float f16ToFloat(short bits) { return Float.float16ToFloat(bits); }

    public static short floatToF16(float f) { return Float.floatToFloat16(f); }

    /** Element {@code index} (in elements, not bytes) of a host segment holding {@code dtype}. */
    public static double read(MemorySegment seg, DType dtype, long index) {
        return switch (dtype) {
            case F32 -> seg.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index);
            case F64 -> seg.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, index);
            case BF16 -> bf16ToFloat(seg.getAtIndex(I16, index));
            case F16 -> f16ToFloat(seg.getAtIndex(I16, index));
            case I8 -> seg.get(ValueLayout.JAVA_BYTE, index);
            case U8 -> seg.get(ValueLayout.JAVA_BYTE, index) & 0xff;
            case BOOL -> seg.get(ValueLayout.JAVA_BYTE, index) != 0 ? 1 : 0;
            case I32 -> seg.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, index);
            case I64 -> seg.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, index);
        };
    }

    /** Writes {@code value} converted to {@code dtype} (integers truncate toward zero; BOOL is value != 0). */
    public static void write(MemorySegment seg, DType dtype, long index, double value) {
        switch (dtype) {
            case F32 -> seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index, (float) value);
            case F64 -> seg.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, index, value);
            case BF16 -> seg.setAtIndex(I16, index, floatToBf16((float) value));
            case F16 -> seg.setAtIndex(I16, index, floatToF16((float) value));
            case I8, U8 -> seg.set(ValueLayout.JAVA_BYTE, index, (byte) (long) value);
            case BOOL -> seg.set(ValueLayout.JAVA_BYTE, index, (byte) (value != 0 ? 1 : 0));
            case I32 -> seg.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, index, (int) (long) value);
            case I64 -> seg.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, index, (long) value);
        }
    }

    /** Exact read of an I64/I32/I8/U8 element as long (no double rounding above 2^53). */
    public static long readLong(MemorySegment seg, DType dtype, long index) {
        return switch (dtype) {
            case I64 -> seg.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, index);
            case I32 -> seg.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, index);
            default -> (long) read(seg, dtype, index);
        };
    }
}
