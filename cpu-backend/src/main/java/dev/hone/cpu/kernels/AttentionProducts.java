package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked matrix products of tiled attention (FlashAttention, Dao et al. 2022) on F32 working
 * arrays, in the style of a GEMM micro-kernel (Goto and van de Geijn 2008): an 8-row block of C (two,
 * or one vector wide) stays in registers for the whole sum, and per depth step each loaded
 * vector of B feeds 8 FMAs against 8 broadcast elements of A. Two forms, by how A is read:
 * <ul>
 *   <li>{@link #rowsTimes}: C[x][y] += sum over z of A[x][z] B[z][y], A row-major with leading
 *       dimension lda (score tiles K·Qᵀ and V·doutᵀ, key gradients Pᵀ·dout and dSᵀ·Q);</li>
 *   <li>{@link #columnsTimes}: C[x][y] += sum over z of A[z][x] B[z][y], A a query-lane tile of
 *       {@link #QUERY_BLOCK} columns (P·V and dS·K, the tile read transposed).</li>
 * </ul>
 * Invariants: the row count is a multiple of 8 and the width a multiple of {@link #LANES} (callers
 * zero-pad key counts to 8 and head vectors to whole vectors, and score tiles are {@link #QUERY_BLOCK}
 * wide less whole vectors), so every product runs on full preferred-width vectors: the 256-bit kernels
 * that once took the last 8 columns sometimes ran with their vector operations not intrinsified (see
 * AttentionGeometry.paddedHeadDim) and were removed. Every element of the touched C block is read, updated and written back, so
 * C must be initialised (zeroed for a fresh product). Each C element is a sum over z in increasing order,
 * whatever the blocking, so results are deterministic. Every method is kept small so that C2 inlines and
 * intrinsifies all of its vector operations.
 */
public final class AttentionProducts {
    private AttentionProducts() { }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Floats per preferred vector (16 with AVX-512). */
    public static final int LANES = F.length();
    /** Queries per block in query-lane tiles: two vectors. */
    public static final int QUERY_BLOCK = 2 * LANES;
    /** Rows of C per register block. */
    public static final int ROWS = 8;

    /**
     * c[cAt + x * ldc + y] += sum over z < depth of a[aAt + x * lda + z] * b[bAt + z * ldb + y], for
     * x < rows and y < width.
     */
    public static void rowsTimes(float[] a, int aAt, int lda, int rows, float[] b, int bAt, int ldb, int width, int depth,
                                 float[] c, int cAt, int ldc) {
        requireWholeVectors("rowsTimes", width);
        for (int x = 0; x < rows; x += ROWS) {
            int ax = aAt + x * lda, cx = cAt + x * ldc, y = 0;
            for (; y + 2 * LANES <= width; y += 2 * LANES) rowsWide(a, ax, lda, b, bAt + y, ldb, depth, c, cx + y, ldc);
            for (; y + LANES <= width; y += LANES) rowsOne(a, ax, lda, b, bAt + y, ldb, depth, c, cx + y, ldc);
        }
    }

    /**
     * c[cAt + x * ldc + y] += sum over z < depth of a[aAt + z * QUERY_BLOCK + x] * b[bAt + z * ldb + y],
     * for x < rows and y < width.
     */
    public static void columnsTimes(float[] a, int aAt, int rows, float[] b, int bAt, int ldb, int width, int depth,
                                    float[] c, int cAt, int ldc) {
        requireWholeVectors("columnsTimes", width);
        for (int x = 0; x < rows; x += ROWS) {
            int ax = aAt + x, cx = cAt + x * ldc, y = 0;
            for (; y + 2 * LANES <= width; y += 2 * LANES) columnsWide(a, ax, b, bAt + y, ldb, depth, c, cx + y, ldc);
            for (; y + LANES <= width; y += LANES) columnsOne(a, ax, b, bAt + y, ldb, depth, c, cx + y, ldc);
        }
    }

    /** 8 rows x 2 vectors: 16 accumulators, per z 2 loads of B and 8 broadcasts of A for 16 FMAs. */
    private static void rowsWide(float[] a, int a0, int lda, float[] b, int bAt, int ldb, int depth, float[] c, int c0, int ldc) {
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
        int r1 = c0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc, r6 = r5 + ldc, r7 = r6 + ldc;
        FloatVector s00 = load(c, c0), s01 = load(c, c0 + LANES), s10 = load(c, r1), s11 = load(c, r1 + LANES);
        FloatVector s20 = load(c, r2), s21 = load(c, r2 + LANES), s30 = load(c, r3), s31 = load(c, r3 + LANES);
        FloatVector s40 = load(c, r4), s41 = load(c, r4 + LANES), s50 = load(c, r5), s51 = load(c, r5 + LANES);
        FloatVector s60 = load(c, r6), s61 = load(c, r6 + LANES), s70 = load(c, r7), s71 = load(c, r7 + LANES);
        for (int z = 0; z < depth; z++) {
            int bz = bAt + z * ldb;
            FloatVector b0 = load(b, bz), b1 = load(b, bz + LANES);
            FloatVector x = FloatVector.broadcast(F, a[a0 + z]);
            s00 = x.fma(b0, s00); s01 = x.fma(b1, s01);
            x = FloatVector.broadcast(F, a[a1 + z]);
            s10 = x.fma(b0, s10); s11 = x.fma(b1, s11);
            x = FloatVector.broadcast(F, a[a2 + z]);
            s20 = x.fma(b0, s20); s21 = x.fma(b1, s21);
            x = FloatVector.broadcast(F, a[a3 + z]);
            s30 = x.fma(b0, s30); s31 = x.fma(b1, s31);
            x = FloatVector.broadcast(F, a[a4 + z]);
            s40 = x.fma(b0, s40); s41 = x.fma(b1, s41);
            x = FloatVector.broadcast(F, a[a5 + z]);
            s50 = x.fma(b0, s50); s51 = x.fma(b1, s51);
            x = FloatVector.broadcast(F, a[a6 + z]);
            s60 = x.fma(b0, s60); s61 = x.fma(b1, s61);
            x = FloatVector.broadcast(F, a[a7 + z]);
            s70 = x.fma(b0, s70); s71 = x.fma(b1, s71);
        }
        s00.intoArray(c, c0); s01.intoArray(c, c0 + LANES); s10.intoArray(c, r1); s11.intoArray(c, r1 + LANES);
        s20.intoArray(c, r2); s21.intoArray(c, r2 + LANES); s30.intoArray(c, r3); s31.intoArray(c, r3 + LANES);
        s40.intoArray(c, r4); s41.intoArray(c, r4 + LANES); s50.intoArray(c, r5); s51.intoArray(c, r5 + LANES);
        s60.intoArray(c, r6); s61.intoArray(c, r6 + LANES); s70.intoArray(c, r7); s71.intoArray(c, r7 + LANES);
    }

    /** 8 rows x 1 vector. */
    private static void rowsOne(float[] a, int a0, int lda, float[] b, int bAt, int ldb, int depth, float[] c, int c0, int ldc) {
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
        int r1 = c0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc, r6 = r5 + ldc, r7 = r6 + ldc;
        FloatVector s0 = load(c, c0), s1 = load(c, r1), s2 = load(c, r2), s3 = load(c, r3);
        FloatVector s4 = load(c, r4), s5 = load(c, r5), s6 = load(c, r6), s7 = load(c, r7);
        for (int z = 0; z < depth; z++) {
            FloatVector bz = load(b, bAt + z * ldb);
            s0 = FloatVector.broadcast(F, a[a0 + z]).fma(bz, s0); s1 = FloatVector.broadcast(F, a[a1 + z]).fma(bz, s1);
            s2 = FloatVector.broadcast(F, a[a2 + z]).fma(bz, s2); s3 = FloatVector.broadcast(F, a[a3 + z]).fma(bz, s3);
            s4 = FloatVector.broadcast(F, a[a4 + z]).fma(bz, s4); s5 = FloatVector.broadcast(F, a[a5 + z]).fma(bz, s5);
            s6 = FloatVector.broadcast(F, a[a6 + z]).fma(bz, s6); s7 = FloatVector.broadcast(F, a[a7 + z]).fma(bz, s7);
        }
        s0.intoArray(c, c0); s1.intoArray(c, r1); s2.intoArray(c, r2); s3.intoArray(c, r3);
        s4.intoArray(c, r4); s5.intoArray(c, r5); s6.intoArray(c, r6); s7.intoArray(c, r7);
    }

    /** 8 rows x 2 vectors with A read down its columns: the 8 broadcasts of a step are consecutive floats. */
    private static void columnsWide(float[] a, int a0, float[] b, int bAt, int ldb, int depth, float[] c, int c0, int ldc) {
        int r1 = c0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc, r6 = r5 + ldc, r7 = r6 + ldc;
        FloatVector s00 = load(c, c0), s01 = load(c, c0 + LANES), s10 = load(c, r1), s11 = load(c, r1 + LANES);
        FloatVector s20 = load(c, r2), s21 = load(c, r2 + LANES), s30 = load(c, r3), s31 = load(c, r3 + LANES);
        FloatVector s40 = load(c, r4), s41 = load(c, r4 + LANES), s50 = load(c, r5), s51 = load(c, r5 + LANES);
        FloatVector s60 = load(c, r6), s61 = load(c, r6 + LANES), s70 = load(c, r7), s71 = load(c, r7 + LANES);
        for (int z = 0; z < depth; z++) {
            int bz = bAt + z * ldb, az = a0 + z * QUERY_BLOCK;
            FloatVector b0 = load(b, bz), b1 = load(b, bz + LANES);
            FloatVector x = FloatVector.broadcast(F, a[az]);
            s00 = x.fma(b0, s00); s01 = x.fma(b1, s01);
            x = FloatVector.broadcast(F, a[az + 1]);
            s10 = x.fma(b0, s10); s11 = x.fma(b1, s11);
            x = FloatVector.broadcast(F, a[az + 2]);
            s20 = x.fma(b0, s20); s21 = x.fma(b1, s21);
            x = FloatVector.broadcast(F, a[az + 3]);
            s30 = x.fma(b0, s30); s31 = x.fma(b1, s31);
            x = FloatVector.broadcast(F, a[az + 4]);
            s40 = x.fma(b0, s40); s41 = x.fma(b1, s41);
            x = FloatVector.broadcast(F, a[az + 5]);
            s50 = x.fma(b0, s50); s51 = x.fma(b1, s51);
            x = FloatVector.broadcast(F, a[az + 6]);
            s60 = x.fma(b0, s60); s61 = x.fma(b1, s61);
            x = FloatVector.broadcast(F, a[az + 7]);
            s70 = x.fma(b0, s70); s71 = x.fma(b1, s71);
        }
        s00.intoArray(c, c0); s01.intoArray(c, c0 + LANES); s10.intoArray(c, r1); s11.intoArray(c, r1 + LANES);
        s20.intoArray(c, r2); s21.intoArray(c, r2 + LANES); s30.intoArray(c, r3); s31.intoArray(c, r3 + LANES);
        s40.intoArray(c, r4); s41.intoArray(c, r4 + LANES); s50.intoArray(c, r5); s51.intoArray(c, r5 + LANES);
        s60.intoArray(c, r6); s61.intoArray(c, r6 + LANES); s70.intoArray(c, r7); s71.intoArray(c, r7 + LANES);
    }

    /** 8 rows x 1 vector, A read down its columns. */
    private static void columnsOne(float[] a, int a0, float[] b, int bAt, int ldb, int depth, float[] c, int c0, int ldc) {
        int r1 = c0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc, r6 = r5 + ldc, r7 = r6 + ldc;
        FloatVector s0 = load(c, c0), s1 = load(c, r1), s2 = load(c, r2), s3 = load(c, r3);
        FloatVector s4 = load(c, r4), s5 = load(c, r5), s6 = load(c, r6), s7 = load(c, r7);
        for (int z = 0; z < depth; z++) {
            int az = a0 + z * QUERY_BLOCK;
            FloatVector bz = load(b, bAt + z * ldb);
            s0 = FloatVector.broadcast(F, a[az]).fma(bz, s0); s1 = FloatVector.broadcast(F, a[az + 1]).fma(bz, s1);
            s2 = FloatVector.broadcast(F, a[az + 2]).fma(bz, s2); s3 = FloatVector.broadcast(F, a[az + 3]).fma(bz, s3);
            s4 = FloatVector.broadcast(F, a[az + 4]).fma(bz, s4); s5 = FloatVector.broadcast(F, a[az + 5]).fma(bz, s5);
            s6 = FloatVector.broadcast(F, a[az + 6]).fma(bz, s6); s7 = FloatVector.broadcast(F, a[az + 7]).fma(bz, s7);
        }
        s0.intoArray(c, c0); s1.intoArray(c, r1); s2.intoArray(c, r2); s3.intoArray(c, r3);
        s4.intoArray(c, r4); s5.intoArray(c, r5); s6.intoArray(c, r6); s7.intoArray(c, r7);
    }

    private static FloatVector load(float[] x, int at) { return FloatVector.fromArray(F, x, at); }

    private static void requireWholeVectors(String op, int width) {
        if (width % LANES != 0) {
            throw new IllegalArgumentException("AttentionProducts." + op + ": width " + width + " is not a multiple of " + LANES
                    + " (pad it with zero columns)");
        }
    }
}
