package dev.hone.cpu.gemm;

import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.DType;
import dev.hone.tensor.Elements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Gemm} against a double-precision triple loop over the exact input values (for BF16/F16 inputs,
 * the rounded values actually stored). Shapes are sampled from {1, 2, 7, 15, 16, 17, 31, 33, 64, 100,
 * 129, 257} in each of m, n, k; every case also draws a layout for A and B (row-major, transposed, or
 * general strides with gaps), element offsets, alpha/beta, input dtypes and 1 or 2 threads.
 *
 * <p>Tolerance: |got - ref| <= 1e-5 * sqrt(k) * (|alpha| * sum_p |a_ip * b_pj| + |beta * c_ij|) + 1e-30,
 * i.e. relative 1e-5 * sqrt(k) to the magnitude of the terms (F32 accumulation of k products has error
 * about 6e-8 * sqrt(k) typically, 6e-8 * k at worst). Elements of C's buffer outside the view must
 * stay untouched.
 */
class GemmTest {
    private static final int[] DIMS = {1, 2, 7, 15, 16, 17, 31, 33, 64, 100, 129, 257};
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final float SENTINEL = -12345.5f;

    private static final WorkerPool POOL1 = new WorkerPool(1);
    private static final WorkerPool POOL2 = new WorkerPool(2);
    private static final Gemm GEMM1 = new Gemm(POOL1);
    private static final Gemm GEMM2 = new Gemm(POOL2);

    @AfterAll
    static void closePools() {
        POOL1.close();
        POOL2.close();
    }

    enum Layout { ROW_MAJOR, TRANSPOSED, GENERAL }

    record Case(int m, int n, int k, DType aType, Layout aLayout, DType bType, Layout bLayout, float alpha,
                float beta, int threads, long seed) {
        @Override
        public String toString() {
            return "[" + m + "x" + k + "]·[" + k + "x" + n + "] A=" + aType + "/" + aLayout + " B=" + bType + "/"
                    + bLayout + " alpha=" + alpha + " beta=" + beta + " threads=" + threads;
        }
    }

    static List<Case> sampledCases() {
        SplittableRandom rnd = new SplittableRandom(20261122L);
        DType[] types = {DType.F32, DType.F32, DType.BF16, DType.F16};
        float[] alphas = {1f, 1f, -0.75f, 2.5f};
        float[] betas = {0f, 0f, 1f, 0.5f};
        List<Case> cases = new ArrayList<>();
        for (int t = 0; t < 90; t++) {
            int m = DIMS[rnd.nextInt(DIMS.length)], n = DIMS[rnd.nextInt(DIMS.length)], k = DIMS[rnd.nextInt(DIMS.length)];
            cases.add(new Case(m, n, k, types[rnd.nextInt(types.length)], Layout.values()[rnd.nextInt(3)],
                    types[rnd.nextInt(types.length)], Layout.values()[rnd.nextInt(3)],
                    alphas[rnd.nextInt(alphas.length)], betas[rnd.nextInt(betas.length)], 1 + rnd.nextInt(2),
                    rnd.nextLong()));
        }
        // every layout pair at a shape with tails in all three dimensions, both thread counts
        for (Layout al : Layout.values()) {
            for (Layout bl : Layout.values()) {
                for (int threads = 1; threads <= 2; threads++) {
                    cases.add(new Case(33, 100, 129, DType.F32, al, DType.F32, bl, 1f, 0f, threads, al.ordinal() * 7L + bl.ordinal()));
                }
            }
        }
        // the LoRA and decoding shapes the fast paths are tuned for, scaled down; few-row (GEMV) paths
        // with BF16/F16 weights in both layouts; BF16 row-major A with B^T (the 8 x 8 transposing packer)
        cases.add(new Case(257, 16, 100, DType.F32, Layout.ROW_MAJOR, DType.F32, Layout.ROW_MAJOR, 1f, 0f, 2, 1));
        cases.add(new Case(257, 100, 16, DType.F32, Layout.ROW_MAJOR, DType.F32, Layout.ROW_MAJOR, 1f, 1f, 2, 2));
        cases.add(new Case(1, 257, 129, DType.BF16, Layout.ROW_MAJOR, DType.BF16, Layout.TRANSPOSED, 1f, 0f, 2, 3));
        cases.add(new Case(1, 257, 129, DType.F32, Layout.ROW_MAJOR, DType.F32, Layout.ROW_MAJOR, 1f, 0f, 2, 4));
        cases.add(new Case(2, 33, 257, DType.F16, Layout.TRANSPOSED, DType.F32, Layout.TRANSPOSED, 1f, 0.5f, 1, 5));
        cases.add(new Case(3, 257, 100, DType.F32, Layout.GENERAL, DType.BF16, Layout.ROW_MAJOR, -0.75f, 0.5f, 2, 6));
        cases.add(new Case(4, 129, 33, DType.F16, Layout.ROW_MAJOR, DType.F16, Layout.TRANSPOSED, 2.5f, 1f, 2, 7));
        cases.add(new Case(129, 100, 257, DType.BF16, Layout.ROW_MAJOR, DType.BF16, Layout.TRANSPOSED, 1f, 0f, 2, 8));
        // whole 12-row panels of a row-major A only: the 4 x 8 transpose of each panel's last four rows
        cases.add(new Case(36, 40, 16, DType.F32, Layout.ROW_MAJOR, DType.F32, Layout.ROW_MAJOR, 1f, 0f, 1, 11));
        cases.add(new Case(36, 40, 24, DType.BF16, Layout.ROW_MAJOR, DType.F32, Layout.TRANSPOSED, 1f, 0.5f, 1, 12));
        // big enough (>= 2^20 multiply-adds) that the few-row path splits columns over both threads
        cases.add(new Case(2, 2100, 300, DType.F32, Layout.ROW_MAJOR, DType.BF16, Layout.TRANSPOSED, 1f, 0.5f, 2, 9));
        cases.add(new Case(1, 1100, 1000, DType.BF16, Layout.ROW_MAJOR, DType.F32, Layout.ROW_MAJOR, 1f, 0f, 2, 10));
        return cases;
    }

    /**
     * The narrow-columns path (n <= 16 < m, B packed whole) and the few-rows path (5..32 rows, B streamed
     * row-major, tail columns packed): every layout pair, 16-bit operands, beta, column and row tails,
     * and sizes above the threading threshold so both threads split the work.
     */
    static List<Case> narrowAndFewRowCases() {
        List<Case> cases = new ArrayList<>();
        long seed = 100;
        for (Layout al : Layout.values()) {
            for (Layout bl : Layout.values()) {
                cases.add(new Case(100, 16, 129, DType.F32, al, DType.F32, bl, 1f, 0f, 2, seed++));
                cases.add(new Case(33, 7, 64, DType.BF16, al, DType.F16, bl, -0.75f, 0.5f, 1, seed++));
                cases.add(new Case(12, 100, 129, DType.F32, al, DType.F32, bl, 1f, 1f, 2, seed++));
                cases.add(new Case(31, 33, 17, DType.F16, al, DType.BF16, bl, 2.5f, 0f, 2, seed++));
            }
        }
        cases.add(new Case(2100, 16, 768, DType.F32, Layout.ROW_MAJOR, DType.F32, Layout.TRANSPOSED, 1f, 0f, 2, seed++));
        cases.add(new Case(1000, 9, 200, DType.BF16, Layout.ROW_MAJOR, DType.F32, Layout.ROW_MAJOR, 1f, 0.5f, 2, seed++));
        cases.add(new Case(16, 800, 300, DType.F32, Layout.TRANSPOSED, DType.F32, Layout.ROW_MAJOR, 1f, 0f, 2, seed++));
        cases.add(new Case(32, 530, 200, DType.F32, Layout.ROW_MAJOR, DType.BF16, Layout.ROW_MAJOR, -0.75f, 1f, 2, seed++));
        cases.add(new Case(5, 257, 100, DType.F32, Layout.GENERAL, DType.F32, Layout.ROW_MAJOR, 1f, 0f, 2, seed));
        return cases;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("narrowAndFewRowCases")
    void narrowAndFewRowPathsMatchDoubleTripleLoop(Case cs) {
        matchesDoubleTripleLoop(cs);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sampledCases")
    void matchesDoubleTripleLoop(Case cs) {
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(cs.seed());
            Operand a = Operand.random(arena, rnd, cs.aType(), cs.aLayout(), cs.m(), cs.k());
            Operand b = Operand.random(arena, rnd, cs.bType(), cs.bLayout(), cs.k(), cs.n());
            long ldc = cs.n() + rnd.nextInt(3), cOff = rnd.nextInt(5);
            MemorySegment c = arena.allocate((cOff + cs.m() * ldc + 3) * Float.BYTES);
            for (long i = 0; i < c.byteSize() / Float.BYTES; i++) c.setAtIndex(F32, i, SENTINEL);
            for (int i = 0; i < cs.m(); i++) {
                for (int j = 0; j < cs.n(); j++) c.setAtIndex(F32, cOff + i * ldc + j, (float) rnd.nextGaussian());
            }
            MemorySegment cBefore = arena.allocate(c.byteSize());
            cBefore.copyFrom(c);

            (cs.threads() == 1 ? GEMM1 : GEMM2).gemm(cs.m(), cs.n(), cs.k(), cs.alpha(),
                    cs.aType(), a.segment, a.offset, a.rowStride, a.colStride,
                    cs.bType(), b.segment, b.offset, b.rowStride, b.colStride,
                    cs.beta(), c, cOff, ldc);

            assertMatchesReference(cs.m(), cs.n(), cs.k(), cs.alpha(), a, b, cs.beta(), cBefore, c, cOff, ldc, cs.toString());
        }
    }

    @Test
    void betaZeroIgnoresNaNInC() {
        for (Gemm gemm : new Gemm[] {GEMM1, GEMM2}) {
            try (Arena arena = Arena.ofShared()) {
                SplittableRandom rnd = new SplittableRandom(7);
                int m = 64, n = 100, k = 33;
                Operand a = Operand.random(arena, rnd, DType.F32, Layout.ROW_MAJOR, m, k);
                Operand b = Operand.random(arena, rnd, DType.F32, Layout.ROW_MAJOR, k, n);
                MemorySegment c = arena.allocate((long) m * n * Float.BYTES);
                for (long i = 0; i < (long) m * n; i++) c.setAtIndex(F32, i, Float.NaN);
                MemorySegment zeros = arena.allocate(c.byteSize());
                gemm.gemm(m, n, k, 1f, DType.F32, a.segment, a.offset, a.rowStride, a.colStride,
                        DType.F32, b.segment, b.offset, b.rowStride, b.colStride, 0f, c, 0, n);
                assertMatchesReference(m, n, k, 1f, a, b, 0f, zeros, c, 0, n, "beta=0 over NaN");
            }
        }
    }

    @Test
    void confinedSegmentsAreMultipliedOnTheCallingThread() {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(11);
            int m = 100, n = 129, k = 64;
            Operand a = Operand.random(arena, rnd, DType.F32, Layout.ROW_MAJOR, m, k);
            Operand b = Operand.random(arena, rnd, DType.F32, Layout.TRANSPOSED, k, n);
            MemorySegment c = arena.allocate((long) m * n * Float.BYTES);
            GEMM2.gemm(m, n, k, 1f, DType.F32, a.segment, a.offset, a.rowStride, a.colStride,
                    DType.F32, b.segment, b.offset, b.rowStride, b.colStride, 0f, c, 0, n);
            assertMatchesReference(m, n, k, 1f, a, b, 0f, arena.allocate(c.byteSize()), c, 0, n, "confined");
        }
    }

    @Test
    void alphaZeroOrEmptyDepthOnlyScalesC() {
        try (Arena arena = Arena.ofShared()) {
            int m = 7, n = 17, k = 15;
            MemorySegment nanA = arena.allocate((long) m * k * Float.BYTES);
            for (long i = 0; i < (long) m * k; i++) nanA.setAtIndex(F32, i, Float.NaN);
            MemorySegment b = arena.allocate((long) k * n * Float.BYTES);
            MemorySegment c = arena.allocate((long) m * n * Float.BYTES);
            for (long i = 0; i < (long) m * n; i++) c.setAtIndex(F32, i, i);
            GEMM2.gemm(m, n, k, 0f, DType.F32, nanA, 0, k, 1, DType.F32, b, 0, n, 1, 0.5f, c, 0, n);
            for (long i = 0; i < (long) m * n; i++) assertThat(c.getAtIndex(F32, i)).isEqualTo(0.5f * i);
            GEMM2.gemm(m, n, 0, 1f, DType.F32, nanA, 0, k, 1, DType.F32, b, 0, n, 1, 0f, c, 0, n);
            for (long i = 0; i < (long) m * n; i++) assertThat(c.getAtIndex(F32, i)).isEqualTo(0f);
        }
    }

    @Test
    void repeatedCallsWithGrowingAndShrinkingShapesReuseScratchCorrectly() {
        int[][] shapes = {{7, 15, 16}, {129, 257, 100}, {2, 31, 7}, {100, 64, 257}, {17, 1, 33}};
        for (int round = 0; round < 2; round++) {
            for (int[] s : shapes) {
                matchesDoubleTripleLoop(new Case(s[0], s[1], s[2], DType.F32, Layout.ROW_MAJOR, DType.BF16,
                        Layout.TRANSPOSED, 1f, 0f, 2, round * 31L + s[0]));
            }
        }
    }

    @Test
    void rejectsUnsupportedTypesAndOutOfBoundsViewsNamingTheOperand() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment small = arena.allocate(16 * Float.BYTES);
            assertThatThrownBy(() -> GEMM1.gemm(4, 4, 4, 1f, DType.I32, small, 0, 4, 1, DType.F32, small, 0, 4, 1,
                    0f, small, 0, 4)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("A")
                    .hasMessageContaining("I32");
            assertThatThrownBy(() -> GEMM1.gemm(4, 4, 5, 1f, DType.F32, small, 0, 5, 1, DType.F32, small, 0, 4, 1,
                    0f, small, 0, 4)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("operand A [4x5]");
        }
    }

    private static void assertMatchesReference(int m, int n, int k, float alpha, Operand a, Operand b, float beta,
                                               MemorySegment cBefore, MemorySegment c, long cOff, long ldc, String what) {
        long total = c.byteSize() / Float.BYTES;
        boolean[] inView = new boolean[(int) total];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++) {
                    double prod = a.get(i, p) * b.get(p, j);
                    sum += prod;
                    magnitude += Math.abs(prod);
                }
                long at = cOff + i * ldc + j;
                inView[(int) at] = true;
                double old = beta == 0f ? 0 : cBefore.getAtIndex(F32, at);
                double expected = alpha * sum + beta * old;
                double tolerance = 1e-5 * Math.sqrt(Math.max(k, 1)) * (Math.abs(alpha) * magnitude + Math.abs(beta * old)) + 1e-30;
                float got = c.getAtIndex(F32, at);
                if (!(Math.abs(got - expected) <= tolerance)) {
                    throw new AssertionError(what + ": C(" + i + "," + j + ") = " + got + ", expected " + expected
                            + " within " + tolerance);
                }
            }
        }
        for (long at = 0; at < total; at++) {
            if (!inView[(int) at] && c.getAtIndex(F32, at) != cBefore.getAtIndex(F32, at)) {
                throw new AssertionError(what + ": element " + at + " outside C's view was overwritten");
            }
        }
    }

    /** A random matrix in one of the layouts, stored in its own segment with a leading offset. */
    record Operand(DType type, MemorySegment segment, long offset, long rowStride, long colStride) {
        static Operand random(Arena arena, SplittableRandom rnd, DType type, Layout layout, int rows, int cols) {
            long offset = rnd.nextInt(4);
            long rowStride, colStride, span;
            switch (layout) {
                case ROW_MAJOR -> { rowStride = cols; colStride = 1; span = (long) rows * cols; }
                case TRANSPOSED -> { rowStride = 1; colStride = rows; span = (long) rows * cols; }
                default -> {
                    colStride = 2;
                    rowStride = 2L * cols + 3;
                    span = rows * rowStride;
                }
            }
            MemorySegment seg = arena.allocate((offset + span + 1) * type.byteSize());
            for (long i = 0; i < offset + span + 1; i++) Elements.write(seg, type, i, 1e6);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    Elements.write(seg, type, offset + r * rowStride + c * colStride, rnd.nextGaussian());
                }
            }
            return new Operand(type, seg, offset, rowStride, colStride);
        }

        double get(int r, int c) { return Elements.read(segment, type, offset + r * rowStride + c * colStride); }
    }
}
