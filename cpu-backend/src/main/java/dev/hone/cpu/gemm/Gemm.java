package dev.hone.cpu.gemm;

import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.hone.cpu.gemm.MicroKernel.MR;
import static dev.hone.cpu.gemm.MicroKernel.NR;

/**
 * General matrix multiply on the CPU: C = alpha * A·B + beta * C with F32, BF16 or F16 inputs, F32
 * accumulation and an F32 row-major C. A and B are arbitrary strided views (row-major, transposed or
 * general). Work is split over the {@link WorkerPool} by rectangles of C, along whichever of M or N has
 * more micro-tiles, so two threads get equal shares even for skinny shapes; a product with fewer than
 * {@link MicroKernel#NR} columns is computed as C^T = B^T·A^T so the wide vector side of the kernel is
 * not wasted on padding, except that up to {@link MicroKernel#LANES} columns with more rows use
 * {@link NarrowColumnsGemm} (one vector per row of C, B held in cache). Up to {@link SmallRowsGemm#MAX_ROWS}
 * rows (GEMV, decoding) stream B once without packing ({@link SmallRowsGemm}), up to
 * {@link FewRowsGemm#MAX_ROWS} rows with a row-major B stream it through an MR x NR tile
 * ({@link FewRowsGemm}); everything else is packed and cache-blocked ({@link BlockedGemm}). Work is
 * always split into a fixed number of fixed ranges for a given shape and thread count, so results never
 * depend on timing.
 *
 * <p>Packing buffers belong to this instance and are reused across calls (no allocation once warm);
 * concurrent calls on one instance each take their own set. Segments confined to one thread
 * (Arena.ofConfined) are multiplied on the calling thread alone. Rounding: alpha is folded into the packed
 * A, and the sum over k is blocked in chunks of {@link BlockedGemm#KC}, so results differ from a
 * sequential float loop by normal F32 rounding (tests allow 1e-5 * sqrt(k) relative).
 */
public final class Gemm {
    /** Below this many multiply-adds one thread does the whole product (waking a worker costs more). */
    private static final long PARALLEL_MIN_FMAS = 1L << 20;

    private final WorkerPool pool;
    /** Never started; asks whether a segment is confined to its owner thread (then the caller works alone). */
    private final Thread otherThread = new Thread(() -> { });
    private final ConcurrentLinkedQueue<BlockedGemm.Scratch[]> idleScratch = new ConcurrentLinkedQueue<>();

    public Gemm(WorkerPool pool) {
        if (pool == null) throw new IllegalArgumentException("Gemm: pool must not be null");
        this.pool = pool;
    }

    /**
     * C = alpha * A·B + beta * C. Element (i,k) of A is at element index aOff + i*aRowStride + k*aColStride
     * of segment a (so a transposed A is aRowStride==1); likewise B (k,j) and C (i,j) at cOff + i*ldc + j
     * (C is row-major F32). aType/bType ∈ {F32, BF16, F16}; accumulation in F32. beta==0 ignores C's
     * contents (even NaN); alpha==0 or k==0 reads neither A nor B.
     */
    public void gemm(int m, int n, int k, float alpha,
                     DType aType, MemorySegment a, long aOff, long aRowStride, long aColStride,
                     DType bType, MemorySegment b, long bOff, long bRowStride, long bColStride,
                     float beta, MemorySegment c, long cOff, long ldc) {
        String op = "gemm [" + m + "x" + k + "]·[" + k + "x" + n + "]";
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException(op + ": negative dimension");
        checkInputType(op, "A", aType);
        checkInputType(op, "B", bType);
        MatrixView av = new MatrixView(aType, a, aOff, aRowStride, aColStride);
        MatrixView bv = new MatrixView(bType, b, bOff, bRowStride, bColStride);
        MatrixView cv = new MatrixView(DType.F32, c, cOff, ldc, 1);
        cv.checkBounds(op, "C", m, n);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {
            TileWriter.scale(cv, m, n, beta);
            return;
        }
        av.checkBounds(op, "A", m, k);
        bv.checkBounds(op, "B", k, n);
        BlockedGemm.Problem problem = new BlockedGemm.Problem(m, n, k, alpha, av, bv, beta, cv);
        if (n < NR && m > n && !NarrowColumnsGemm.applies(problem)) {
            problem = new BlockedGemm.Problem(n, m, k, alpha, bv.transposed(), av.transposed(), beta, cv.transposed());
        }
        boolean shareable = a.isAccessibleBy(otherThread) && b.isAccessibleBy(otherThread) && c.isAccessibleBy(otherThread);
        run(problem, shareable ? pool.threads() : 1);
    }

    private void run(BlockedGemm.Problem p, int threads) {
        int tasks = taskCount(p, threads);
        BlockedGemm.Scratch[] scratch = takeScratch();
        try {
            if (SmallRowsGemm.applies(p)) {
                runSmallRows(p, tasks, scratch);
                return;
            }
            if (NarrowColumnsGemm.applies(p)) {
                float[] packedB = NarrowColumnsGemm.packB(p, scratch[0]);
                int panels = (p.m() + MR - 1) / MR;
                pool.parallelFor(tasks, t -> NarrowColumnsGemm.run(p, packedB,
                        (int) ((long) panels * t / tasks), (int) ((long) panels * (t + 1) / tasks), scratch[t]));
                return;
            }
            if (FewRowsGemm.applies(p)) {
                float[] packedA = FewRowsGemm.packA(p, scratch[0]);
                int blocks = FewRowsGemm.blocks(p);
                pool.parallelFor(tasks, t -> FewRowsGemm.run(p, packedA,
                        (int) ((long) blocks * t / tasks), (int) ((long) blocks * (t + 1) / tasks), scratch[t]));
                return;
            }
            if (tasks == 1) {
                BlockedGemm.run(p, 0, p.m(), 0, p.n(), scratch[0]);
                return;
            }
            int unitsM = (p.m() + MR - 1) / MR, unitsN = (p.n() + NR - 1) / NR;
            boolean splitN = unitsN >= unitsM;
            int units = splitN ? unitsN : unitsM;
            pool.parallelFor(tasks, t -> {
                int u0 = (int) ((long) units * t / tasks), u1 = (int) ((long) units * (t + 1) / tasks);
                if (splitN) {
                    BlockedGemm.run(p, 0, p.m(), u0 * NR, Math.min(p.n(), u1 * NR), scratch[t]);
                } else {
                    BlockedGemm.run(p, u0 * MR, Math.min(p.m(), u1 * MR), 0, p.n(), scratch[t]);
                }
            });
        } finally {
            idleScratch.offer(scratch);
        }
    }

    /** Few rows: B is streamed once without packing; tasks split the columns. */
    private void runSmallRows(BlockedGemm.Problem p, int tasks, BlockedGemm.Scratch[] scratch) {
        BlockedGemm.Scratch first = scratch[0];
        if (first.smallRows.length < p.m() * p.k()) first.smallRows = new float[p.m() * p.k()];
        float[] aRows = first.smallRows;
        SmallRowsGemm.copyRows(p, aRows);
        int units = (p.n() + SmallRowsGemm.BLOCK - 1) / SmallRowsGemm.BLOCK;
        int parts = Math.min(tasks, units);
        if (parts <= 1) {
            SmallRowsGemm.run(p, aRows, 0, p.n(), first.rowResults);
            return;
        }
        pool.parallelFor(parts, t -> {
            int j0 = (int) ((long) units * t / parts) * SmallRowsGemm.BLOCK;
            int j1 = Math.min(p.n(), (int) ((long) units * (t + 1) / parts) * SmallRowsGemm.BLOCK);
            SmallRowsGemm.run(p, aRows, j0, j1, scratch[t].rowResults);
        });
    }

    private static int taskCount(BlockedGemm.Problem p, int threads) {
        if (threads == 1 || (long) p.m() * p.n() * p.k() < PARALLEL_MIN_FMAS) return 1;
        if (SmallRowsGemm.applies(p)) return threads;
        if (NarrowColumnsGemm.applies(p)) return Math.min(threads, (p.m() + MR - 1) / MR);
        if (FewRowsGemm.applies(p)) return Math.min(threads, FewRowsGemm.blocks(p));
        int units = Math.max((p.m() + MR - 1) / MR, (p.n() + NR - 1) / NR);
        return Math.min(threads, units);
    }

    private BlockedGemm.Scratch[] takeScratch() {
        BlockedGemm.Scratch[] set = idleScratch.poll();
        if (set != null) return set;
        set = new BlockedGemm.Scratch[pool.threads()];
        for (int t = 0; t < set.length; t++) set[t] = new BlockedGemm.Scratch();
        return set;
    }

    private static void checkInputType(String op, String name, DType type) {
        if (type != DType.F32 && type != DType.BF16 && type != DType.F16) {
            throw new IllegalArgumentException(op + ": operand " + name + " has dtype " + type
                    + "; supported are F32, BF16, F16");
        }
    }
}
