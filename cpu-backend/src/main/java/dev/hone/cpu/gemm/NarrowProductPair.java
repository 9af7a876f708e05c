package dev.hone.cpu.gemm;

import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import static dev.hone.cpu.gemm.MicroKernel.LANES;
import static dev.hone.cpu.gemm.MicroKernel.NR;

/**
 * Two narrow products that share one pass over a wide F32 row-major X [m x k]: P = X·N with N [k x r]
 * (overwritten; optional) and D [k x r] += scale·Xᵀ·H with H [m x r]. A LoRA layer's backward needs both
 * from its output gradient g (g·B and dB = s·gᵀ·h), and dA = s·xᵀ·(g·B) is the second product alone; as
 * separate GEMMs each of those reads the 6 MB operand from memory again, and the depth-m products
 * (few rows of output, long sums) go through the blocked path's packing.
 *
 * <p>r is covered in chunks of {@link MicroKernel#LANES} columns, zero padded (r = 8 leaves half a vector
 * idle, no masks). Per block of {@link #ROWS} rows and one chunk the {@link NarrowPairKernels} keep the
 * block's P rows in ROWS accumulators and scale·H's rows in ROWS registers; per depth index q they load
 * N's row q once, broadcast ROWS elements of X, and load, update and store row q of the task's partial D
 * (k x LANES floats, in L1/L2); D alone is swept {@link NarrowPairKernels#GRADIENT_ROWS} rows at a time.
 * In a LoRA r=16 step over [2048x768] (2 threads) g·B with dB takes ~0.75 ms and dA ~0.6 ms, about 37% and
 * 30% of the FMA peak: each broadcast of X is read through a bounds-checked segment access, and the
 * operands arrive from memory. Tasks own fixed ranges of row blocks and each sums into its own partial;
 * partials are added into D in task order, so results depend on the task count (fixed for a shape and
 * thread count), never on timing.
 */
final class NarrowProductPair {
    /** Rows of X per block: eight accumulators plus eight rows of H stay in registers. */
    static final int ROWS = NarrowColumnsGemm.ROWS;
    /** Widest r the fused path takes (four vectors); wider products go through the GEMM. */
    static final int MAX_RANK = 4 * LANES;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** The operands; {@code n} and {@code p} are both null when only D is wanted. */
    record Problem(int m, int k, int r, MatrixView x, MatrixView n, MatrixView p, MatrixView h, float scale, MatrixView d,
                   float beta) {
        boolean product() { return p != null; }
        int chunks() { return (r + LANES - 1) / LANES; }
        int blocks() { return (m + ROWS - 1) / ROWS; }
    }

    private NarrowProductPair() { }

    /**
     * Whether the fused path takes these operands: X is F32 with unit column stride, r is 1..MAX_RANK, D is
     * F32 with any strides (it is written once, element by element, when the partials are added: a LoRA
     * layer's dA goes straight into its [r, in] layout through a transposed view), and P, when present, is
     * F32 with unit column stride (a product alone is left to the GEMM, whose {@link NarrowColumnsGemm}
     * already reads X once).
     */
    static boolean applies(int r, MatrixView x, MatrixView p, MatrixView d) {
        return r >= 1 && r <= MAX_RANK && isF32Rows(x) && d != null && d.type() == DType.F32 && (p == null || isF32Rows(p));
    }

    private static boolean isF32Rows(MatrixView v) { return v.type() == DType.F32 && v.colStride() == 1; }

    /** Runs {@code tasks} fixed row ranges on the pool, then adds the partials into D in task order. */
    static void run(Problem q, int tasks, BlockedGemm.Scratch[] scratch, WorkerPool pool) {
        int chunks = q.chunks(), partialFloats = chunks * q.k() * LANES;
        float[] packedN = q.product() ? packN(q, scratch[0]) : null;
        int blocks = q.blocks();
        pool.parallelFor(tasks, t -> {
            BlockedGemm.Scratch s = scratch[t];
            s.ensure(partialFloats + chunks * ROWS * LANES, 0);
            Arrays.fill(s.packedA, 0, partialFloats, 0f);
            runBlocks(q, packedN, (int) ((long) blocks * t / tasks), (int) ((long) blocks * (t + 1) / tasks), s);
        });
        addPartials(q, scratch, tasks);
    }

    /** N as chunks of [k x LANES] (columns past r zero) in scratch's packedB. */
    private static float[] packN(Problem q, BlockedGemm.Scratch s) {
        int chunks = q.chunks();
        s.ensure(0, chunks * q.k() * LANES);
        for (int c = 0; c < chunks; c++) {
            s.packer.pack(q.n().transposed(), (long) c * LANES, Math.min(LANES, q.r() - c * LANES), 0, q.k(), LANES, 1f,
                    s.packedB, c * q.k() * LANES);
        }
        return s.packedB;
    }

    /** Row blocks [block0, block1): partial D in s.packedA[0, chunks*k*LANES), scale·H's block right after it. */
    private static void runBlocks(Problem q, float[] packedN, int block0, int block1, BlockedGemm.Scratch s) {
        int k = q.k(), chunks = q.chunks(), hAt = chunks * k * LANES;
        float[] partial = s.packedA;
        MatrixView x = q.x();
        long rowBytes = x.rowStride() * Float.BYTES;
        for (int block = block0; block < block1; block++) {
            int row0 = block * ROWS, rows = Math.min(ROWS, q.m() - row0);
            packH(q, row0, rows, partial, hAt, s.packer);
            long xAt = x.index(row0, 0) * Float.BYTES;
            for (int c = 0; c < chunks; c++) {
                int pAt = c * k * LANES, hc = hAt + c * ROWS * LANES;
                if (!q.product()) {
                    accumulate(x.segment(), xAt, rowBytes, rows, partial, hc, partial, pAt, k);
                } else {
                    if (rows == ROWS) {
                        NarrowPairKernels.productAndGradient(x.segment(), xAt, rowBytes, packedN, pAt, partial, hc, partial, pAt, k, s.tile);
                    } else {
                        for (int i = 0; i < rows; i++) {
                            NarrowPairKernels.productAndGradientRow(x.segment(), xAt + i * rowBytes, packedN, pAt,
                                    partial, hc + i * LANES, partial, pAt, k, s.tile, i * NR);
                        }
                    }
                    TileWriter.write(s.tile, rows, Math.min(LANES, q.r() - c * LANES), q.p(), row0, (long) c * LANES,
                            TileWriter.Merge.OVERWRITE, 0f);
                }
            }
        }
    }

    private static void accumulate(MemorySegment seg, long xAt, long rowBytes, int rows, float[] h, int hAt,
                                   float[] partial, int pAt, int k) {
        if (rows == ROWS) {   // sweeps of GRADIENT_ROWS rows (see NarrowPairKernels.gradient)
            for (int i = 0; i < ROWS; i += NarrowPairKernels.GRADIENT_ROWS) {
                NarrowPairKernels.gradient(seg, xAt + i * rowBytes, rowBytes, h, hAt + i * LANES, partial, pAt, k);
            }
            return;
        }
        for (int i = 0; i < rows; i++) NarrowPairKernels.gradientRow(seg, xAt + i * rowBytes, h, hAt + i * LANES, partial, pAt, k);
    }

    /**
     * scale·H rows [row0, row0 + rows) as chunks of [ROWS x LANES] at dest[at..], zero padded: each chunk is
     * the packer's panel of H's columns over depth = the block's rows (any dtype and strides it reads).
     */
    private static void packH(Problem q, int row0, int rows, float[] dest, int at, PanelPacker packer) {
        Arrays.fill(dest, at, at + q.chunks() * ROWS * LANES, 0f);
        for (int c = 0; c < q.chunks(); c++) {
            packer.pack(q.h().transposed(), (long) c * LANES, Math.min(LANES, q.r() - c * LANES), row0, rows, LANES, q.scale(),
                    dest, at + c * ROWS * LANES);
        }
    }

    /** D[q, j] = beta·D[q, j] + (partial_0 + partial_1 + ...)[q, j], partials in task order; D not read when beta is 0. */
    private static void addPartials(Problem q, BlockedGemm.Scratch[] scratch, int tasks) {
        MatrixView d = q.d();
        for (int row = 0; row < q.k(); row++) {
            for (int j = 0; j < q.r(); j++) {
                int at = (j / LANES) * q.k() * LANES + row * LANES + j % LANES;
                float sum = scratch[0].packedA[at];
                for (int t = 1; t < tasks; t++) sum += scratch[t].packedA[at];
                long index = d.index(row, j);
                float base = q.beta() == 0f ? 0f : q.beta() == 1f ? d.segment().getAtIndex(F32, index)
                        : q.beta() * d.segment().getAtIndex(F32, index);
                d.segment().setAtIndex(F32, index, base + sum);
            }
        }
    }
}
