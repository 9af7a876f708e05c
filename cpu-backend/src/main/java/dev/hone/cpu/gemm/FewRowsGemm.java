package dev.hone.cpu.gemm;

import dev.hone.tensor.DType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static dev.hone.cpu.gemm.MicroKernel.LANES;
import static dev.hone.cpu.gemm.MicroKernel.NR;
import static dev.hone.cpu.gemm.NarrowColumnsGemm.ROWS;
import static dev.hone.cpu.gemm.MicroKernel.SPECIES;

/**
 * GEMM with a few rows (more than {@link SmallRowsGemm#MAX_ROWS}, at most {@link #MAX_ROWS}) and a
 * row-major F32 or BF16 B: LoRA weight gradients such as dA = (g·B)^T·x, [r, T]·[T, d]. B is big and read
 * once, so it is streamed straight from its segment instead of being packed as {@link BlockedGemm}
 * would (a full extra pass over B); A is small and packed once, alpha folded in, into ROWS-row panels over
 * its full depth. The kernel is a {@link MicroKernel}-style tile (ROWS rows x two vectors, 16 registers)
 * with B's two vectors loaded from the segment row by row ({@link #COLS} columns). B is walked in chunks of {@link #DEPTH_CHUNK}
 * rows: within a chunk each column block of COLS is finished for all panels before the next, so its
 * slice of B is re-read from L1 by the second and later panels, and the chunk is read row by row
 * (in a 2048 x 768 dA product this cut the time by 15-25% against walking one column block down all
 * of B's rows, a new page per row). Columns beyond the last full block are packed (a few, [k x LANES])
 * and go through {@link NarrowColumnsGemm#multiply}. Tasks own fixed ranges of column blocks; the sum over k
 * runs in index order, so results do not depend on the thread count.
 */
final class FewRowsGemm {
    static final int MAX_ROWS = 32;
    /** Columns of one block: the two vectors of this file's kernel, a full {@link MicroKernel} tile row. */
    static final int COLS = NR;
    /**
     * Rows of B taken at once across all of a task's column blocks: B is walked in row chunks (whole
     * rows, prefetch-friendly) and each chunk's COLS-wide slice (DEPTH_CHUNK x COLS floats, 16 KiB) stays in
     * L1 while every A panel uses it; walking one column block down all of B's rows instead touched a
     * new page per row.
     */
    static final int DEPTH_CHUNK = 128;

    private FewRowsGemm() { }

    static boolean applies(BlockedGemm.Problem p) {
        MatrixView b = p.b();
        boolean typeOk = b.type() == DType.F32 || (b.type() == DType.BF16 && LANES == 16);
        return p.m() > SmallRowsGemm.MAX_ROWS && p.m() <= MAX_ROWS && b.colStride() == 1 && typeOk;
    }

    /** Column blocks of COLS (the last one possibly partial): the units tasks split. */
    static int blocks(BlockedGemm.Problem p) { return (p.n() + COLS - 1) / COLS; }

    /** Packs alpha * A into ROWS-row panels over the full depth; returns the panels (grown if needed). */
    static float[] packA(BlockedGemm.Problem p, BlockedGemm.Scratch s) {
        int panels = (p.m() + ROWS - 1) / ROWS, k = p.k();
        s.ensure(panels * ROWS * k, 0);
        for (int panel = 0; panel < panels; panel++) {
            int row0 = panel * ROWS;
            s.packer.pack(p.a(), row0, Math.min(ROWS, p.m() - row0), 0, k, ROWS, p.alpha(), s.packedA, panel * ROWS * k);
        }
        return s.packedA;
    }

    /** Computes column blocks [block0, block1) of every row from packed A panels. */
    static void run(BlockedGemm.Problem p, float[] packedA, int block0, int block1, BlockedGemm.Scratch s) {
        int k = p.k(), panels = (p.m() + ROWS - 1) / ROWS, fullBlocks = Math.min(block1, p.n() / COLS);
        TileWriter.Merge first = TileWriter.Merge.first(p.beta());
        MatrixView b = p.b();
        boolean bf16 = b.type() == DType.BF16;
        long bytes = b.type().byteSize();
        for (int q0 = 0; q0 < k; q0 += DEPTH_CHUNK) {
            int depth = Math.min(DEPTH_CHUNK, k - q0);
            TileWriter.Merge merge = q0 == 0 ? first : TileWriter.Merge.ACCUMULATE;
            for (int block = block0; block < fullBlocks; block++) {
                int col0 = block * COLS;
                for (int panel = 0; panel < panels; panel++) {
                    int row0 = panel * ROWS;
                    multiply(packedA, panel * ROWS * k + q0 * ROWS, b.segment(), b.index(q0, col0) * bytes, b.rowStride() * bytes, bf16,
                            depth, s.tile);
                    TileWriter.write(s.tile, Math.min(ROWS, p.m() - row0), COLS, p.c(), row0, col0, merge, p.beta());
                }
            }
        }
        for (int block = Math.max(block0, fullBlocks); block < block1; block++) {
            partialBlock(p, packedA, block * COLS, p.n() - block * COLS, s, first);
        }
    }

    /** The last, narrower block: packed LANES columns at a time. */
    private static void partialBlock(BlockedGemm.Problem p, float[] packedA, int col0, int cols, BlockedGemm.Scratch s,
                                     TileWriter.Merge merge) {
        int k = p.k(), panels = (p.m() + ROWS - 1) / ROWS;
        s.ensure(0, k * LANES);
        MatrixView bColumns = p.b().transposed();
        for (int c = 0; c < cols; c += LANES) {
            int width = Math.min(LANES, cols - c);
            s.packer.pack(bColumns, col0 + c, width, 0, k, LANES, 1f, s.packedB, 0);
            for (int panel = 0; panel < panels; panel++) {
                int row0 = panel * ROWS;
                NarrowColumnsGemm.multiply(packedA, panel * ROWS * k, s.packedB, k, s.tile);
                TileWriter.write(s.tile, Math.min(ROWS, p.m() - row0), width, p.c(), row0, col0 + c, merge, p.beta());
            }
        }
    }

    /**
     * tile[r * NR + c] = sum over q < depth of a[aAt + q * ROWS + r] * B(q, c) for r < ROWS, c < COLS, with B row q
     * at byte {@code bAt + q * rowBytes} of {@code seg} (F32, or BF16 widened exactly).
     */
    static void multiply(float[] a, int aAt, MemorySegment seg, long bAt, long rowBytes, boolean bf16, int depth, float[] tile) {
        long lane = LANES * (bf16 ? 2L : 4L);
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00,
                c70 = c00, c71 = c00;
        long at = bAt;
        for (int q = 0; q < depth; q++, at += rowBytes) {
            FloatVector v0 = SmallRowsGemm.load(seg, at, bf16), v1 = SmallRowsGemm.load(seg, at + lane, bf16);
            int x = aAt + q * ROWS;
            FloatVector w = FloatVector.broadcast(SPECIES, a[x]);
            c00 = w.fma(v0, c00); c01 = w.fma(v1, c01);
            w = FloatVector.broadcast(SPECIES, a[x + 1]);
            c10 = w.fma(v0, c10); c11 = w.fma(v1, c11);
            w = FloatVector.broadcast(SPECIES, a[x + 2]);
            c20 = w.fma(v0, c20); c21 = w.fma(v1, c21);
            w = FloatVector.broadcast(SPECIES, a[x + 3]);
            c30 = w.fma(v0, c30); c31 = w.fma(v1, c31);
            w = FloatVector.broadcast(SPECIES, a[x + 4]);
            c40 = w.fma(v0, c40); c41 = w.fma(v1, c41);
            w = FloatVector.broadcast(SPECIES, a[x + 5]);
            c50 = w.fma(v0, c50); c51 = w.fma(v1, c51);
            w = FloatVector.broadcast(SPECIES, a[x + 6]);
            c60 = w.fma(v0, c60); c61 = w.fma(v1, c61);
            w = FloatVector.broadcast(SPECIES, a[x + 7]);
            c70 = w.fma(v0, c70); c71 = w.fma(v1, c71);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, LANES);
        c10.intoArray(tile, NR); c11.intoArray(tile, NR + LANES);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + LANES);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + LANES);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + LANES);
        c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + LANES);
        c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + LANES);
    }
}
