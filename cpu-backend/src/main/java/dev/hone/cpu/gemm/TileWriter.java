package dev.hone.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.hone.cpu.gemm.MicroKernel.LANES;
import static dev.hone.cpu.gemm.MicroKernel.NR;
import static dev.hone.cpu.gemm.MicroKernel.SPECIES;

/**
 * Merges a computed tile (row-major, {@link MicroKernel#NR} floats per row) into the F32 matrix C, and
 * scales whole C regions. Only the {@code rows x cols} top-left part of the tile is valid; the rest is
 * padding and never written. C with unit column stride takes the vector path (masked at the right
 * edge); any other C layout goes element by element.
 */
final class TileWriter {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /** How a tile combines with what C already holds. */
    enum Merge {
        /** C = tile (the first depth block when beta == 0: C's old contents, even NaN, are ignored). */
        OVERWRITE,
        /** C = tile + beta * C (the first depth block for any other beta). */
        SCALE_AND_ADD,
        /** C = C + tile (later depth blocks, or beta == 1). */
        ACCUMULATE;

        static Merge first(float beta) {
            if (beta == 0f) return OVERWRITE;
            return beta == 1f ? ACCUMULATE : SCALE_AND_ADD;
        }
    }

    private TileWriter() { }

    static void write(float[] tile, int rows, int cols, MatrixView c, long row0, long col0, Merge merge, float beta) {
        if (c.colStride() == 1 && cols == NR && merge != Merge.SCALE_AND_ADD) {
            writeFullWidth(tile, rows, c, row0, col0, merge == Merge.ACCUMULATE);
        } else if (c.colStride() == 1) {
            writeRowsContiguous(tile, rows, cols, c, row0, col0, merge, beta);
        } else {
            writeStrided(tile, rows, cols, c, row0, col0, merge, beta);
        }
    }

    /** The common case: whole tile rows (two vectors, NR == 2 * LANES), C = tile or C += tile. */
    private static void writeFullWidth(float[] tile, int rows, MatrixView c, long row0, long col0, boolean accumulate) {
        MemorySegment seg = c.segment();
        long at = c.index(row0, col0) * Float.BYTES, step = c.rowStride() * Float.BYTES;
        for (int r = 0; r < rows; r++, at += step) {
            FloatVector t0 = FloatVector.fromArray(SPECIES, tile, r * NR);
            FloatVector t1 = FloatVector.fromArray(SPECIES, tile, r * NR + LANES);
            long at1 = at + LANES * Float.BYTES;
            if (accumulate) {
                t0 = t0.add(FloatVector.fromMemorySegment(SPECIES, seg, at, ORDER));
                t1 = t1.add(FloatVector.fromMemorySegment(SPECIES, seg, at1, ORDER));
            }
            t0.intoMemorySegment(seg, at, ORDER);
            t1.intoMemorySegment(seg, at1, ORDER);
        }
    }

    private static void writeRowsContiguous(float[] tile, int rows, int cols, MatrixView c, long row0, long col0,
                                            Merge merge, float beta) {
        MemorySegment seg = c.segment();
        FloatVector betaV = FloatVector.broadcast(SPECIES, beta);
        for (int r = 0; r < rows; r++) {
            long rowByte = c.index(row0 + r, col0) * Float.BYTES;
            for (int start = 0; start < cols; start += LANES) {
                long at = rowByte + (long) start * Float.BYTES;
                FloatVector t = FloatVector.fromArray(SPECIES, tile, r * NR + start);
                if (cols - start >= LANES) {
                    if (merge != Merge.OVERWRITE) {
                        FloatVector old = FloatVector.fromMemorySegment(SPECIES, seg, at, ORDER);
                        t = merge == Merge.ACCUMULATE ? old.add(t) : old.fma(betaV, t);
                    }
                    t.intoMemorySegment(seg, at, ORDER);
                } else {
                    VectorMask<Float> mask = SPECIES.indexInRange(start, cols);
                    if (merge != Merge.OVERWRITE) {
                        FloatVector old = FloatVector.fromMemorySegment(SPECIES, seg, at, ORDER, mask);
                        t = merge == Merge.ACCUMULATE ? old.add(t) : old.fma(betaV, t);
                    }
                    t.intoMemorySegment(seg, at, ORDER, mask);
                }
            }
        }
    }

    private static void writeStrided(float[] tile, int rows, int cols, MatrixView c, long row0, long col0,
                                     Merge merge, float beta) {
        MemorySegment seg = c.segment();
        for (int r = 0; r < rows; r++) {
            for (int col = 0; col < cols; col++) {
                long at = c.index(row0 + r, col0 + col);
                float t = tile[r * NR + col];
                float value = switch (merge) {
                    case OVERWRITE -> t;
                    case ACCUMULATE -> seg.getAtIndex(F32, at) + t;
                    case SCALE_AND_ADD -> Math.fma(beta, seg.getAtIndex(F32, at), t);
                };
                seg.setAtIndex(F32, at, value);
            }
        }
    }

    /** C = beta * C over a rows x cols region; beta == 0 writes zeros whatever C held (even NaN). */
    static void scale(MatrixView c, long rows, long cols, float beta) {
        if (beta == 1f) return;
        MemorySegment seg = c.segment();
        for (long r = 0; r < rows; r++) {
            for (long col = 0; col < cols; col++) {
                long at = c.index(r, col);
                seg.setAtIndex(F32, at, beta == 0f ? 0f : beta * seg.getAtIndex(F32, at));
            }
        }
    }
}
