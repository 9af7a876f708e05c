package dev.hone.cpu.gemm;

import dev.hone.cpu.kernels.LaneSum;
import dev.hone.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.hone.cpu.gemm.MicroKernel.LANES;
import static dev.hone.cpu.gemm.MicroKernel.SPECIES;

/**
 * GEMM with at most {@link #MAX_ROWS} rows of A (GEMV and small decode batches), which is bound by
 * reading B: B is streamed once, straight from its segment, with no packing. The few A rows are
 * first copied to an F32 array with alpha folded in. Two forms, by B's layout:
 * <ul>
 *   <li>B row-major (unit column stride): C row += A(i,p) * B row p, 64 columns per register block;</li>
 *   <li>B column-major (unit row stride, e.g. an [out, in] weight used as B^T): four dot products
 *       at a time along p, reduced at the end.</li>
 * </ul>
 * F32 and BF16 B are read directly (BF16 widened in registers); other B layouts and types take the
 * packed path. Each call computes whole columns [j0, j1), so tasks split N.
 */
final class SmallRowsGemm {
    static final int MAX_ROWS = 4;
    /** Columns per register block of the row-major form. */
    static final int BLOCK = 4 * LANES;
    private static final VectorSpecies<Short> HALF_SHORTS = ShortVector.SPECIES_256;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private SmallRowsGemm() { }

    static boolean applies(BlockedGemm.Problem p) {
        MatrixView b = p.b();
        boolean typeOk = b.type() == DType.F32 || (b.type() == DType.BF16 && HALF_SHORTS.length() == LANES);
        return p.m() <= MAX_ROWS && typeOk && (b.colStride() == 1 || b.rowStride() == 1);
    }

    /** aRows[r * k + q] = alpha * A(r, q). */
    static void copyRows(BlockedGemm.Problem p, float[] aRows) {
        MatrixView a = p.a();
        for (int r = 0; r < p.m(); r++) {
            for (int q = 0; q < p.k(); q++) aRows[r * p.k() + q] = p.alpha() * (float) readA(a, r, q);
        }
    }

    private static double readA(MatrixView a, int r, int q) {
        return dev.hone.tensor.Elements.read(a.segment(), a.type(), a.index(r, q));
    }

    /** Computes columns [j0, j1) of every row; {@code out} holds at least {@link #BLOCK} floats. */
    static void run(BlockedGemm.Problem p, float[] aRows, int j0, int j1, float[] out) {
        boolean bf16 = p.b().type() == DType.BF16;
        if (p.b().colStride() == 1) {
            int j = j0;
            for (; j + BLOCK <= j1; j += BLOCK) {
                for (int i = 0; i < p.m(); i++) {
                    axpyBlock(p.b(), bf16, aRows, i * p.k(), p.k(), j, out);
                    merge(p, out, i, j, BLOCK);
                }
            }
            for (; j < j1; j++) {
                for (int i = 0; i < p.m(); i++) {
                    out[0] = dotScalar(p.b(), aRows, i * p.k(), p.k(), j);
                    merge(p, out, i, j, 1);
                }
            }
        } else {
            int j = j0;
            for (; j + 4 <= j1; j += 4) {
                for (int i = 0; i < p.m(); i++) {
                    dotFour(p.b(), bf16, aRows, i * p.k(), p.k(), j, out);
                    merge(p, out, i, j, 4);
                }
            }
            for (; j < j1; j++) {
                for (int i = 0; i < p.m(); i++) {
                    out[0] = dotScalar(p.b(), aRows, i * p.k(), p.k(), j);
                    merge(p, out, i, j, 1);
                }
            }
        }
    }

    /** out[0..BLOCK) = sum over q of a[aAt + q] * B(q, j0 .. j0 + BLOCK). */
    private static void axpyBlock(MatrixView b, boolean bf16, float[] a, int aAt, int k, int j0, float[] out) {
        MemorySegment seg = b.segment();
        long bytes = b.type().byteSize();
        long at = b.index(0, j0) * bytes, rowBytes = b.rowStride() * bytes, lane = LANES * bytes;
        FloatVector c0 = FloatVector.zero(SPECIES), c1 = c0, c2 = c0, c3 = c0;
        for (int q = 0; q < k; q++, at += rowBytes) {
            FloatVector x = FloatVector.broadcast(SPECIES, a[aAt + q]);
            c0 = x.fma(load(seg, at, bf16), c0);
            c1 = x.fma(load(seg, at + lane, bf16), c1);
            c2 = x.fma(load(seg, at + 2 * lane, bf16), c2);
            c3 = x.fma(load(seg, at + 3 * lane, bf16), c3);
        }
        c0.intoArray(out, 0);
        c1.intoArray(out, LANES);
        c2.intoArray(out, 2 * LANES);
        c3.intoArray(out, 3 * LANES);
    }

    /** out[c] = sum over q of a[aAt + q] * B(q, j0 + c) for c < 4, B contiguous along q. */
    private static void dotFour(MatrixView b, boolean bf16, float[] a, int aAt, int k, int j0, float[] out) {
        MemorySegment seg = b.segment();
        long bytes = b.type().byteSize();
        long col = b.colStride() * bytes, at = b.index(0, j0) * bytes, lane = LANES * bytes;
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        int kv = k - k % LANES;
        for (int q = 0; q < kv; q += LANES, at += lane) {
            FloatVector x = FloatVector.fromArray(SPECIES, a, aAt + q);
            s0 = x.fma(load(seg, at, bf16), s0);
            s1 = x.fma(load(seg, at + col, bf16), s1);
            s2 = x.fma(load(seg, at + 2 * col, bf16), s2);
            s3 = x.fma(load(seg, at + 3 * col, bf16), s3);
        }
        s0.intoArray(out, 0);
        s1.intoArray(out, LANES);
        s2.intoArray(out, 2 * LANES);
        s3.intoArray(out, 3 * LANES);
        for (int c = 0; c < 4; c++) out[c] = LaneSum.ofRange(out, c * LANES, LANES);
        for (int q = kv; q < k; q++) {
            for (int c = 0; c < 4; c++) out[c] += a[aAt + q] * element(b, q, j0 + c);
        }
    }

    private static float dotScalar(MatrixView b, float[] a, int aAt, int k, int j) {
        float sum = 0;
        for (int q = 0; q < k; q++) sum += a[aAt + q] * element(b, q, j);
        return sum;
    }

    private static float element(MatrixView b, int q, int j) {
        long at = b.index(q, j);
        return b.type() == DType.F32 ? b.segment().getAtIndex(F32, at)
                : Float.intBitsToFloat(b.segment().getAtIndex(I16, at) << 16);
    }

    /** One vector of F32, or of BF16 widened exactly to F32. */
    static FloatVector load(MemorySegment seg, long at, boolean bf16) {
        if (!bf16) return FloatVector.fromMemorySegment(SPECIES, seg, at, ORDER);
        ShortVector s = ShortVector.fromMemorySegment(HALF_SHORTS, seg, at, ORDER);
        IntVector i = (IntVector) s.convertShape(VectorOperators.S2I, IntVector.SPECIES_PREFERRED, 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** C(i, j0 + c) = out[c] + beta * C(i, j0 + c) for c < count (beta == 0 ignores C). */
    private static void merge(BlockedGemm.Problem p, float[] out, int i, int j0, int count) {
        MatrixView c = p.c();
        MemorySegment seg = c.segment();
        float beta = p.beta();
        for (int x = 0; x < count; x++) {
            long at = c.index(i, j0 + x);
            seg.setAtIndex(F32, at, beta == 0f ? out[x] : out[x] + beta * seg.getAtIndex(F32, at));
        }
    }
}
