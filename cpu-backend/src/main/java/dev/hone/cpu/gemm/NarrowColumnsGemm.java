package dev.hone.cpu.gemm;

import dev.hone.tensor.DType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.hone.cpu.gemm.MicroKernel.LANES;
import static dev.hone.cpu.gemm.MicroKernel.NR;
import static dev.hone.cpu.gemm.MicroKernel.SPECIES;

/**
 * GEMM with at most {@link MicroKernel#LANES} columns of C and many rows (a LoRA down-projection
 * x·A^T, or g·B in its backward: [T, d]·[d, r] with r <= 16). All of B (alpha folded in) is packed once
 * into a [k x LANES] F32 block that stays in cache, so one vector register holds a whole row of C; A is
 * read {@link #ROWS} rows at a time straight from its segment when it is F32 row-major
 * (otherwise packed ROWS rows at a time over its full depth, a panel of ROWS * k floats in L1 or L2), so
 * it is streamed once. The kernel keeps an ROWS x LANES tile in ROWS registers: per depth index one vector
 * load of B and ROWS broadcasts of A. This avoids both the NR-wide padding of {@link BlockedGemm}
 * (half its FMAs wasted) and computing C^T = B^T·A^T, which sent the big operand through the transposing
 * B packer. Tasks own fixed ranges of ROWS-row panels (partition independent of timing); the sum over k
 * runs in index order, so results do not depend on the thread count.
 */
final class NarrowColumnsGemm {
    /** Rows of one panel and one tile (eight accumulators); also the panel height of {@link FewRowsGemm}. */
    static final int ROWS = 8;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private NarrowColumnsGemm() { }

    /** Worth it when C is no wider than one vector and taller than wide. */
    static boolean applies(BlockedGemm.Problem p) {
        return p.n() <= LANES && p.m() > p.n();
    }

    /** Packs alpha * B into {@code packedB} ([k x LANES], columns n.. zero) and returns it (grown if needed). */
    static float[] packB(BlockedGemm.Problem p, BlockedGemm.Scratch s) {
        s.ensure(0, p.k() * LANES);
        s.packer.pack(p.b().transposed(), 0, p.n(), 0, p.k(), LANES, p.alpha(), s.packedB, 0);
        return s.packedB;
    }

    /** Computes the rows [panel0 * ROWS, panel1 * ROWS) ∩ [0, m) of C from a packed B. */
    static void run(BlockedGemm.Problem p, float[] packedB, int panel0, int panel1, BlockedGemm.Scratch s) {
        int k = p.k();
        s.ensure(ROWS * k, 0);
        TileWriter.Merge merge = TileWriter.Merge.first(p.beta());
        for (int panel = panel0; panel < panel1; panel++) {
            int row0 = panel * ROWS, rows = Math.min(ROWS, p.m() - row0);
            MatrixView a = p.a();
            if (rows == ROWS && a.type() == DType.F32 && a.colStride() == 1) {
                multiplyRows(a.segment(), a.index(row0, 0) * Float.BYTES, a.rowStride() * Float.BYTES, packedB, k, s.tile);
            } else {
                s.packer.pack(a, row0, rows, 0, k, ROWS, 1f, s.packedA, 0);
                multiply(s.packedA, 0, packedB, k, s.tile);
            }
            TileWriter.write(s.tile, rows, p.n(), p.c(), row0, 0, merge, p.beta());
        }
    }

    /**
     * {@link #multiply} with A read straight from ROWS rows of an F32 row-major segment (row r at byte
     * {@code at + r * rowBytes}): no packing pass over the big operand. Each address is a loop-invariant row
     * base plus {@code (long) q * 4}: C2 then removes the segment bounds checks from the loop, which it did
     * not for a long offset stepped by 4 per iteration (eight compares and spilled offsets per depth index).
     * [2048x768]·[768x16] on one thread: 105 -> 122 GFLOP/s; in a LoRA step on two threads, where X comes
     * from memory, unchanged.
     */
    static void multiplyRows(MemorySegment seg, long at, long rowBytes, float[] b, int depth, float[] tile) {
        FloatVector c0 = FloatVector.zero(SPECIES), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        long a0 = at, a1 = at + rowBytes, a2 = at + 2 * rowBytes, a3 = at + 3 * rowBytes, a4 = at + 4 * rowBytes,
                a5 = at + 5 * rowBytes, a6 = at + 6 * rowBytes, a7 = at + 7 * rowBytes;
        for (int q = 0; q < depth; q++) {
            FloatVector v = FloatVector.fromArray(SPECIES, b, q * LANES);
            long o = (long) q * Float.BYTES;
            c0 = FloatVector.broadcast(SPECIES, seg.get(F32, a0 + o)).fma(v, c0);
            c1 = FloatVector.broadcast(SPECIES, seg.get(F32, a1 + o)).fma(v, c1);
            c2 = FloatVector.broadcast(SPECIES, seg.get(F32, a2 + o)).fma(v, c2);
            c3 = FloatVector.broadcast(SPECIES, seg.get(F32, a3 + o)).fma(v, c3);
            c4 = FloatVector.broadcast(SPECIES, seg.get(F32, a4 + o)).fma(v, c4);
            c5 = FloatVector.broadcast(SPECIES, seg.get(F32, a5 + o)).fma(v, c5);
            c6 = FloatVector.broadcast(SPECIES, seg.get(F32, a6 + o)).fma(v, c6);
            c7 = FloatVector.broadcast(SPECIES, seg.get(F32, a7 + o)).fma(v, c7);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, NR);
        c2.intoArray(tile, 2 * NR);
        c3.intoArray(tile, 3 * NR);
        c4.intoArray(tile, 4 * NR);
        c5.intoArray(tile, 5 * NR);
        c6.intoArray(tile, 6 * NR);
        c7.intoArray(tile, 7 * NR);
    }

    /**
     * tile[r * NR + c] = sum over q < depth of a[aAt + q * ROWS + r] * b[q * LANES + c] for r < ROWS, c < LANES
     * (the tile keeps the {@link MicroKernel} row stride NR so {@link TileWriter} can merge it).
     */
    static void multiply(float[] a, int aAt, float[] b, int depth, float[] tile) {
        FloatVector c0 = FloatVector.zero(SPECIES), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        for (int q = 0; q < depth; q++) {
            FloatVector v = FloatVector.fromArray(SPECIES, b, q * LANES);
            int at = aAt + q * ROWS;
            c0 = FloatVector.broadcast(SPECIES, a[at]).fma(v, c0);
            c1 = FloatVector.broadcast(SPECIES, a[at + 1]).fma(v, c1);
            c2 = FloatVector.broadcast(SPECIES, a[at + 2]).fma(v, c2);
            c3 = FloatVector.broadcast(SPECIES, a[at + 3]).fma(v, c3);
            c4 = FloatVector.broadcast(SPECIES, a[at + 4]).fma(v, c4);
            c5 = FloatVector.broadcast(SPECIES, a[at + 5]).fma(v, c5);
            c6 = FloatVector.broadcast(SPECIES, a[at + 6]).fma(v, c6);
            c7 = FloatVector.broadcast(SPECIES, a[at + 7]).fma(v, c7);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, NR);
        c2.intoArray(tile, 2 * NR);
        c3.intoArray(tile, 3 * NR);
        c4.intoArray(tile, 4 * NR);
        c5.intoArray(tile, 5 * NR);
        c6.intoArray(tile, 6 * NR);
        c7.intoArray(tile, 7 * NR);
    }
}
