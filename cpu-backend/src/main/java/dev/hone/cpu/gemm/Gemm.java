package dev.hone.cpu.gemm;

import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.hone.cpu.gemm.MicroKernel.MR;
import static dev.hone.cpu.gemm.MicroKernel.NR;

/**
 * General matrix multiply on the CPU: C = alpha * A·B + beta * C with F32, BF16 or F16 inputs, F32
 * accumulation and an F32 row-major C. A and B are arbitrary strided views (row-major, transposed or
 * general). Work is split over the {@link WorkerPool} by rectangles of C, along N when N has as many
 * micro-tiles as M or a whole column block per task, else along M (see {@code runBlocked}), so two
 * threads get equal shares even for skinny shapes; a product with fewer than
 * {@link #NARROW_COLUMNS} columns is computed as C^T = B^T·A^T so the wide vector side of the kernel is
 * not wasted on padding, except that up to {@link MicroKernel#LANES} columns with more rows use
 * {@link NarrowColumnsGemm} (one vector per row of C, B held in cache). Up to {@link SmallRowsGemm#MAX_ROWS}
 * rows (GEMV, decoding) stream B once without packing ({@link SmallRowsGemm}), up to
 * {@link FewRowsGemm#MAX_ROWS} rows with a row-major B stream it through a
 * {@link NarrowColumnsGemm#ROWS} x {@link FewRowsGemm#COLS} tile ({@link FewRowsGemm}); everything else is
 * packed and cache-blocked ({@link BlockedGemm}). {@link #gemmSum} adds a second product term in the same
 * pass over C (LoRA: base plus adapter product). Work is
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
    /** Fewer columns than this (and more rows) are computed as C^T = B^T·A^T: two vectors of padding saved. */
    private static final int NARROW_COLUMNS = 2 * MicroKernel.LANES;

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
        if (n < NARROW_COLUMNS && m > n && !NarrowColumnsGemm.applies(problem)) {
            problem = new BlockedGemm.Problem(n, m, k, alpha, bv.transposed(), av.transposed(), beta, cv.transposed());
        }
        boolean shareable = a.isAccessibleBy(otherThread) && b.isAccessibleBy(otherThread) && c.isAccessibleBy(otherThread);
        run(problem, shareable ? pool.threads() : 1);
    }

    /**
     * C = first.alpha * A1·B1 + second.alpha * A2·B2 + beta * C, with A1 [m x first.k], B1 [first.k x n],
     * A2 [m x second.k], B2 [second.k x n] (strides and dtypes as in {@link #gemm}; C row-major F32). A LoRA
     * layer's base product plus its adapter product (y = x·W^T + s·h·B^T, dx = g·W + s·(g·B)·A) in one pass
     * over C: the second term's depth is appended to the first's depth loop, so each C tile is merged once
     * per depth block and a small second depth (16) costs its multiply-adds but no extra pass over C.
     * Shapes that {@link #gemm} sends to a special path (at most {@link FewRowsGemm#MAX_ROWS} rows, or
     * fewer than two vectors of columns) are computed as gemm(first, beta) then gemm(second, beta = 1).
     * Rounding: as gemm over the concatenated depth, so it differs from the two separate calls by F32
     * rounding; results are deterministic for a given shape and thread count.
     */
    public void gemmSum(int m, int n, GemmTerm first, GemmTerm second, float beta, MemorySegment c, long cOff, long ldc) {
        String op = "gemmSum [" + m + "x" + first.k() + "]·[" + first.k() + "x" + n + "] + [" + m + "x" + second.k()
                + "]·[" + second.k() + "x" + n + "]";
        if (m < 0 || n < 0) throw new IllegalArgumentException(op + ": negative dimension");
        MatrixView cv = new MatrixView(DType.F32, c, cOff, ldc, 1);
        cv.checkBounds(op, "C", m, n);
        BlockedGemm.Term t1 = first.checkedTerm(op, "first", m, n), t2 = second.checkedTerm(op, "second", m, n);
        if (m == 0 || n == 0) return;
        boolean live1 = first.k() > 0 && first.alpha() != 0f, live2 = second.k() > 0 && second.alpha() != 0f;
        // the shapes gemm would send to SmallRowsGemm, FewRowsGemm, NarrowColumnsGemm or compute transposed
        boolean blocked = m > FewRowsGemm.MAX_ROWS && n >= NARROW_COLUMNS;
        if (!live1 || !live2 || !blocked) {
            first.multiplyInto(this, m, n, beta, c, cOff, ldc);
            second.multiplyInto(this, m, n, 1f, c, cOff, ldc);
            return;
        }
        boolean shareable = first.accessibleBy(otherThread) && second.accessibleBy(otherThread)
                && c.isAccessibleBy(otherThread);
        List<BlockedGemm.Term> terms = List.of(t1, t2);
        long fmas = (long) m * n * (first.k() + second.k());
        int tasks = !shareable || fmas < PARALLEL_MIN_FMAS ? 1
                : Math.min(pool.threads(), Math.max((m + MR - 1) / MR, (n + NR - 1) / NR));
        BlockedGemm.Scratch[] scratch = takeScratch();
        try {
            runBlocked(m, n, terms, beta, cv, tasks, scratch);
        } finally {
            idleScratch.offer(scratch);
        }
    }

    /**
     * P = X·N (overwritten) and D = beta·D + scale·Xᵀ·H in one pass over X [m x k], with N [k x r], P [m x r],
     * H [m x r] and D [k x r] (a LoRA backward: g·B and dB from one read of g; with n and p null, the
     * gradient alone, as dA = s·xᵀ·(g·B)). Takes the {@link NarrowProductPair} path when X, D and P are F32
     * with unit column stride and r <= {@link NarrowProductPair#MAX_RANK}; returns false, having computed
     * nothing, otherwise (the caller multiplies with {@link #gemm}). N and H may be F32, BF16 or F16 with any
     * strides. Results depend on the thread count (per-task partial sums of D), never on timing.
     */
    public boolean narrowProducts(int m, int k, int r, MatrixView x, MatrixView n, MatrixView p, MatrixView h, float scale,
                                  MatrixView d, float beta) {
        if ((n == null) != (p == null)) throw new IllegalArgumentException("narrowProducts: N and P come together");
        if (m < 0 || k < 0 || r < 0) throw new IllegalArgumentException("narrowProducts: negative dimension in m "
                + m + ", k " + k + ", r " + r);
        if (m == 0 || k == 0 || r == 0 || !NarrowProductPair.applies(r, x, p, d)) return false;
        String op = "narrowProducts [" + m + "x" + k + "] with r " + r;
        x.checkBounds(op, "X", m, k);
        h.checkBounds(op, "H", m, r);
        d.checkBounds(op, "D", k, r);
        checkInputType(op, "H", h.type());
        if (p != null) {
            checkInputType(op, "N", n.type());
            n.checkBounds(op, "N", k, r);
            p.checkBounds(op, "P", m, r);
        }
        NarrowProductPair.Problem problem = new NarrowProductPair.Problem(m, k, r, x, n, p, h, scale, d, beta);
        boolean shareable = x.segment().isAccessibleBy(otherThread) && h.segment().isAccessibleBy(otherThread)
                && d.segment().isAccessibleBy(otherThread) && (p == null
                || (n.segment().isAccessibleBy(otherThread) && p.segment().isAccessibleBy(otherThread)));
        long fmas = (long) m * k * problem.chunks() * MicroKernel.LANES * (p == null ? 1 : 2);
        int tasks = !shareable || fmas < PARALLEL_MIN_FMAS ? 1 : Math.min(pool.threads(), problem.blocks());
        BlockedGemm.Scratch[] scratch = takeScratch();
        try {
            NarrowProductPair.run(problem, tasks, scratch, pool);
        } finally {
            idleScratch.offer(scratch);
        }
        return true;
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
                int panels = (p.m() + NarrowColumnsGemm.ROWS - 1) / NarrowColumnsGemm.ROWS;
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
            runBlocked(p.m(), p.n(), p.terms(), p.beta(), p.c(), tasks, scratch);
        } finally {
            idleScratch.offer(scratch);
        }
    }

    /**
     * The packed, cache-blocked path: tasks own fixed rectangles of C, split along N when N has at least as
     * many micro-tiles as M or gives each task at least one whole column block ({@link BlockedGemm#NC}),
     * along M otherwise. Split along M, every task packs all of B; split along N, only its share (A is
     * packed as often either way: once per column block of the task). Measured with 2 threads, alternating
     * JVMs: splitting N instead of M made square 2048 and 4096 and [2048x768]·[768x3072] 2-3% faster, and
     * square 1024 (half a column block per task) 1-3% slower. Each C element sums over the same depth
     * blocks either way, so the split does not change results.
     */
    private void runBlocked(int m, int n, List<BlockedGemm.Term> terms, float beta, MatrixView c, int tasks,
                            BlockedGemm.Scratch[] scratch) {
        if (tasks == 1) {
            BlockedGemm.run(terms, beta, c, 0, m, 0, n, scratch[0]);
            return;
        }
        int unitsM = (m + MR - 1) / MR, unitsN = (n + NR - 1) / NR;
        boolean splitN = unitsN >= unitsM || n >= (long) tasks * BlockedGemm.NC;
        int units = splitN ? unitsN : unitsM;
        pool.parallelFor(tasks, t -> {
            int u0 = (int) ((long) units * t / tasks), u1 = (int) ((long) units * (t + 1) / tasks);
            if (splitN) {
                BlockedGemm.run(terms, beta, c, 0, m, u0 * NR, Math.min(n, u1 * NR), scratch[t]);
            } else {
                BlockedGemm.run(terms, beta, c, u0 * MR, Math.min(m, u1 * MR), 0, n, scratch[t]);
            }
        });
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
        if (NarrowColumnsGemm.applies(p)) {
            return Math.min(threads, (p.m() + NarrowColumnsGemm.ROWS - 1) / NarrowColumnsGemm.ROWS);
        }
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

    static void checkInputType(String op, String name, DType type) {
        if (type != DType.F32 && type != DType.BF16 && type != DType.F16) {
            throw new IllegalArgumentException(op + ": operand " + name + " has dtype " + type
                    + "; supported are F32, BF16, F16");
        }
    }
}
