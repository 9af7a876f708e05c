package dev.hone.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;


/**
 * Transposes an 8 x 8 block of F32 or BF16 values from a strided source into a float array, in
 * registers: three rounds of eight two-source permutes ({@code selectFrom(v1, v2)}, one vpermi2ps
 * each on AVX-512), the textbook 3-stage butterfly. Used by {@link PanelPacker} when the source is
 * contiguous along the depth axis (row-major A, or a [out, in] weight used as B^T), where the packed
 * layout needs the other axis contiguous. BF16 is widened exactly (shift into the high half).
 *
 * <p>Block convention: source row r (r < 8) starts at byte {@code at + r * rowBytes} and holds 8
 * consecutive depth values; destination row q gets the 8 values of depth q at
 * {@code dest[destAt + q * destStride + r]}. (Staging the rows in heap arrays first, for int-indexed
 * loads, measured slower.)
 */
final class Transpose8 {
    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Short> S8_SHORT = ShortVector.SPECIES_128;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private final FloatVector pairLo = indices(0, 8, 1, 9, 2, 10, 3, 11);
    private final FloatVector pairHi = indices(4, 12, 5, 13, 6, 14, 7, 15);
    private final FloatVector quadLo = indices(0, 1, 8, 9, 2, 3, 10, 11);
    private final FloatVector quadHi = indices(4, 5, 12, 13, 6, 7, 14, 15);
    private final FloatVector halfLo = indices(0, 1, 2, 3, 8, 9, 10, 11);
    private final FloatVector halfHi = indices(4, 5, 6, 7, 12, 13, 14, 15);
    private final VectorMask<Float> lowFour = VectorMask.fromLong(S8, 0x0f);
    private final VectorMask<Float> highFour = VectorMask.fromLong(S8, 0xf0);

    private static FloatVector indices(float... lanes) { return FloatVector.fromArray(S8, lanes, 0); }

    /** Supported by this CPU's preferred vector shape (needs 8-float vectors). */
    static boolean fits() { return S8.length() == 8; }

    /**
     * Transposes one block. One method from loads to stores on purpose: a vector passed to a call that
     * C2 does not inline ("hot method too big") is boxed on every call, which made this 5x slower.
     */
    void block(MemorySegment seg, long at, long rowBytes, boolean bf16, float scale, float[] dest, int destAt,
               int destStride) {
        FloatVector r0 = load(seg, at, bf16), r1 = load(seg, at + rowBytes, bf16);
        FloatVector r2 = load(seg, at + 2 * rowBytes, bf16), r3 = load(seg, at + 3 * rowBytes, bf16);
        FloatVector r4 = load(seg, at + 4 * rowBytes, bf16), r5 = load(seg, at + 5 * rowBytes, bf16);
        FloatVector r6 = load(seg, at + 6 * rowBytes, bf16), r7 = load(seg, at + 7 * rowBytes, bf16);
        // round 1: interleave row pairs; a01l = (r0,r1) at depths 0..3, a01h at depths 4..7
        FloatVector a01l = pairLo.selectFrom(r0, r1), a01h = pairHi.selectFrom(r0, r1);
        FloatVector a23l = pairLo.selectFrom(r2, r3), a23h = pairHi.selectFrom(r2, r3);
        FloatVector a45l = pairLo.selectFrom(r4, r5), a45h = pairHi.selectFrom(r4, r5);
        FloatVector a67l = pairLo.selectFrom(r6, r7), a67h = pairHi.selectFrom(r6, r7);
        // round 2: rows 0-3 (and 4-7) for depth pairs (0,1), (2,3), (4,5), (6,7)
        FloatVector b03d01 = quadLo.selectFrom(a01l, a23l), b03d23 = quadHi.selectFrom(a01l, a23l);
        FloatVector b03d45 = quadLo.selectFrom(a01h, a23h), b03d67 = quadHi.selectFrom(a01h, a23h);
        FloatVector b47d01 = quadLo.selectFrom(a45l, a67l), b47d23 = quadHi.selectFrom(a45l, a67l);
        FloatVector b47d45 = quadLo.selectFrom(a45h, a67h), b47d67 = quadHi.selectFrom(a45h, a67h);
        // round 3: all eight rows of one depth
        put(halfLo.selectFrom(b03d01, b47d01), scale, dest, destAt);
        put(halfHi.selectFrom(b03d01, b47d01), scale, dest, destAt + destStride);
        put(halfLo.selectFrom(b03d23, b47d23), scale, dest, destAt + 2 * destStride);
        put(halfHi.selectFrom(b03d23, b47d23), scale, dest, destAt + 3 * destStride);
        put(halfLo.selectFrom(b03d45, b47d45), scale, dest, destAt + 4 * destStride);
        put(halfHi.selectFrom(b03d45, b47d45), scale, dest, destAt + 5 * destStride);
        put(halfLo.selectFrom(b03d67, b47d67), scale, dest, destAt + 6 * destStride);
        put(halfHi.selectFrom(b03d67, b47d67), scale, dest, destAt + 7 * destStride);
    }

    /**
     * Transposes a 4-row x 8-depth block (the last four rows of a 12-row panel) with the first two rounds
     * of {@link #block}: each result vector holds two depths of the four rows, stored as two masked
     * 4-float pieces. A third of the permutes of transposing the panel's rows 4..11 as a second 8 x 8 block.
     */
    void block4(MemorySegment seg, long at, long rowBytes, boolean bf16, float scale, float[] dest, int destAt,
                int destStride) {
        FloatVector r0 = load(seg, at, bf16), r1 = load(seg, at + rowBytes, bf16);
        FloatVector r2 = load(seg, at + 2 * rowBytes, bf16), r3 = load(seg, at + 3 * rowBytes, bf16);
        FloatVector a01l = pairLo.selectFrom(r0, r1), a01h = pairHi.selectFrom(r0, r1);
        FloatVector a23l = pairLo.selectFrom(r2, r3), a23h = pairHi.selectFrom(r2, r3);
        // rows 0-3 of depths (0,1), (2,3), (4,5), (6,7): depth 2j in the low four lanes, 2j + 1 in the high four
        putPair(quadLo.selectFrom(a01l, a23l), scale, dest, destAt, destStride);
        putPair(quadHi.selectFrom(a01l, a23l), scale, dest, destAt + 2 * destStride, destStride);
        putPair(quadLo.selectFrom(a01h, a23h), scale, dest, destAt + 4 * destStride, destStride);
        putPair(quadHi.selectFrom(a01h, a23h), scale, dest, destAt + 6 * destStride, destStride);
    }

    /** The low four lanes at {@code at}, the high four at {@code at + stride}. */
    private void putPair(FloatVector v, float scale, float[] dest, int at, int stride) {
        FloatVector scaled = scale == 1f ? v : v.mul(scale);
        scaled.intoArray(dest, at, lowFour);
        scaled.intoArray(dest, at + stride - 4, highFour);
    }

    /** Eight F32 values, or eight BF16 values widened exactly to F32. */
    private static FloatVector load(MemorySegment seg, long at, boolean bf16) {
        if (!bf16) return FloatVector.fromMemorySegment(S8, seg, at, ORDER);
        ShortVector s = ShortVector.fromMemorySegment(S8_SHORT, seg, at, ORDER);
        IntVector i = (IntVector) s.convertShape(VectorOperators.S2I, IntVector.SPECIES_256, 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static void put(FloatVector v, float scale, float[] dest, int at) {
        (scale == 1f ? v : v.mul(scale)).intoArray(dest, at);
    }
}
