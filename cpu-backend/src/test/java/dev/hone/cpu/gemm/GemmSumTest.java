package dev.hone.cpu.gemm;

import dev.hone.cpu.gemm.GemmTest.Layout;
import dev.hone.cpu.gemm.GemmTest.Operand;
import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.DType;
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
 * {@link Gemm#gemmSum} (C = alpha1·A1·B1 + alpha2·A2·B2 + beta·C in one pass) against two separate
 * {@link Gemm#gemm} calls, gemm(term 1, beta) then gemm(term 2, beta = 1), on the same inputs. Sampled
 * cases cover the fused path (more than 32 rows, at least 32 columns) and the fallback (few rows or
 * narrow C), odd sizes, depths that straddle a depth block (k1 + k2 > {@link BlockedGemm#KC}), the LoRA
 * depth k2 = 16, row-major/transposed/general views, F32/BF16/F16 inputs and 1 or 2 threads.
 *
 * <p>Tolerance: both results approximate the same exact sum with F32 accumulation over at most
 * k1 + k2 products, so they may differ by 2e-5 * sqrt(k1 + k2) relative to the magnitude of the terms
 * (sum of |alpha * a * b| over both terms plus |beta * c|), twice the bound {@link GemmTest} allows
 * against an exact reference. Elements of C's buffer outside the view must stay untouched.
 */
class GemmSumTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int[] ROWS = {1, 5, 33, 47, 100, 130};
    private static final int[] COLS = {7, 31, 32, 65, 100};
    private static final int[] DEPTH1 = {1, 17, 250, 300};
    private static final int[] DEPTH2 = {0, 1, 16, 19};

    private static final WorkerPool POOL1 = new WorkerPool(1);
    private static final WorkerPool POOL2 = new WorkerPool(2);
    private static final Gemm GEMM1 = new Gemm(POOL1);
    private static final Gemm GEMM2 = new Gemm(POOL2);

    @AfterAll
    static void closePools() {
        POOL1.close();
        POOL2.close();
    }

    record Case(int m, int n, int k1, int k2, DType type, Layout a1, Layout b1, Layout a2, Layout b2, float alpha1,
                float alpha2, float beta, int threads, long seed) {
        @Override
        public String toString() {
            return "[" + m + "x" + k1 + "]·[" + k1 + "x" + n + "] + [" + m + "x" + k2 + "]·[" + k2 + "x" + n + "] " + type
                    + " A1=" + a1 + " B1=" + b1 + " A2=" + a2 + " B2=" + b2 + " alphas=" + alpha1 + "," + alpha2
                    + " beta=" + beta + " threads=" + threads;
        }
    }

    static List<Case> sampledCases() {
        SplittableRandom rnd = new SplittableRandom(20261123L);
        Layout[] layouts = Layout.values();
        DType[] types = {DType.F32, DType.F32, DType.BF16, DType.F16};
        float[] betas = {0f, 1f, -0.5f};
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 36; i++) {
            cases.add(new Case(ROWS[rnd.nextInt(ROWS.length)], COLS[rnd.nextInt(COLS.length)],
                    DEPTH1[rnd.nextInt(DEPTH1.length)], DEPTH2[rnd.nextInt(DEPTH2.length)], types[rnd.nextInt(types.length)],
                    layouts[rnd.nextInt(2)], layouts[rnd.nextInt(2)], layouts[rnd.nextInt(3)], layouts[rnd.nextInt(3)],
                    (float) (0.5 + rnd.nextDouble()), rnd.nextBoolean() ? 2f : -0.25f, betas[rnd.nextInt(betas.length)],
                    1 + rnd.nextInt(2), rnd.nextLong()));
        }
        // LoRA forward and backward shapes, scaled down: x·W^T + s·h·B^T and g·W + s·(g·B)·A
        cases.add(new Case(130, 96, 768, 16, DType.F32, Layout.ROW_MAJOR, Layout.TRANSPOSED, Layout.ROW_MAJOR,
                Layout.TRANSPOSED, 1f, 2f, 0f, 2, 7L));
        cases.add(new Case(130, 96, 768, 16, DType.F32, Layout.ROW_MAJOR, Layout.ROW_MAJOR, Layout.ROW_MAJOR,
                Layout.ROW_MAJOR, 1f, 2f, 1f, 2, 8L));
        return cases;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sampledCases")
    void matchesTwoSeparateGemmCalls(Case cs) {
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(cs.seed());
            Operand a1 = Operand.random(arena, rnd, cs.type(), cs.a1(), cs.m(), cs.k1());
            Operand b1 = Operand.random(arena, rnd, cs.type(), cs.b1(), cs.k1(), cs.n());
            Operand a2 = Operand.random(arena, rnd, DType.F32, cs.a2(), cs.m(), cs.k2());
            Operand b2 = Operand.random(arena, rnd, cs.type(), cs.b2(), cs.k2(), cs.n());
            GemmTerm first = term(cs.k1(), cs.alpha1(), a1, b1), second = term(cs.k2(), cs.alpha2(), a2, b2);
            long ldc = cs.n() + 3, cOff = 2, cFloats = cOff + cs.m() * ldc + 1;
            MemorySegment cBefore = arena.allocate(cFloats * Float.BYTES);
            for (long i = 0; i < cFloats; i++) cBefore.setAtIndex(F32, i, cs.beta() == 0f ? Float.NaN : (float) rnd.nextGaussian());
            MemorySegment fused = arena.allocate(cFloats * Float.BYTES), separate = arena.allocate(cFloats * Float.BYTES);
            fused.copyFrom(cBefore);
            separate.copyFrom(cBefore);
            Gemm gemm = cs.threads() == 1 ? GEMM1 : GEMM2;

            gemm.gemmSum(cs.m(), cs.n(), first, second, cs.beta(), fused, cOff, ldc);
            first.multiplyInto(gemm, cs.m(), cs.n(), cs.beta(), separate, cOff, ldc);
            second.multiplyInto(gemm, cs.m(), cs.n(), 1f, separate, cOff, ldc);

            assertAgree(cs, a1, b1, a2, b2, cBefore, fused, separate, cOff, ldc);
        }
    }

    @Test
    void sameInputsGiveBitIdenticalResultsOnEveryCall() {
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(5);
            int m = 200, n = 160, k1 = 300, k2 = 16;
            GemmTerm first = term(k1, 1f, Operand.random(arena, rnd, DType.F32, Layout.ROW_MAJOR, m, k1),
                    Operand.random(arena, rnd, DType.F32, Layout.TRANSPOSED, k1, n));
            GemmTerm second = term(k2, 0.5f, Operand.random(arena, rnd, DType.F32, Layout.ROW_MAJOR, m, k2),
                    Operand.random(arena, rnd, DType.F32, Layout.TRANSPOSED, k2, n));
            MemorySegment c1 = arena.allocate((long) m * n * Float.BYTES), c2 = arena.allocate((long) m * n * Float.BYTES);
            GEMM2.gemmSum(m, n, first, second, 0f, c1, 0, n);
            GEMM2.gemmSum(m, n, first, second, 0f, c2, 0, n);
            assertThat(c1.mismatch(c2)).isEqualTo(-1L);
        }
    }

    @Test
    void rejectsOutOfBoundsTermsNamingTheTerm() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment small = arena.allocate(16 * Float.BYTES), c = arena.allocate(64L * 64 * Float.BYTES);
            MemorySegment big = arena.allocate(64L * 64 * Float.BYTES);
            GemmTerm fits = new GemmTerm(8, 1f, DType.F32, big, 0, 8, 1, DType.F32, big, 0, 64, 1);
            GemmTerm tooSmall = new GemmTerm(16, 1f, DType.F32, small, 0, 16, 1, DType.F32, big, 0, 64, 1);
            assertThatThrownBy(() -> GEMM1.gemmSum(64, 64, fits, tooSmall, 0f, c, 0, 64))
                    .isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("gemmSum").hasMessageContaining("second A");
            assertThatThrownBy(() -> new GemmTerm(-1, 1f, DType.F32, big, 0, 1, 1, DType.F32, big, 0, 1, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative depth");
        }
    }

    private static GemmTerm term(int k, float alpha, Operand a, Operand b) {
        return new GemmTerm(k, alpha, a.type(), a.segment(), a.offset(), a.rowStride(), a.colStride(),
                b.type(), b.segment(), b.offset(), b.rowStride(), b.colStride());
    }

    private static void assertAgree(Case cs, Operand a1, Operand b1, Operand a2, Operand b2, MemorySegment cBefore,
                                    MemorySegment fused, MemorySegment separate, long cOff, long ldc) {
        int k = cs.k1() + cs.k2();
        for (int i = 0; i < cs.m(); i++) {
            for (int j = 0; j < cs.n(); j++) {
                double magnitude = 0;
                for (int p = 0; p < cs.k1(); p++) magnitude += Math.abs(cs.alpha1() * a1.get(i, p) * b1.get(p, j));
                for (int p = 0; p < cs.k2(); p++) magnitude += Math.abs(cs.alpha2() * a2.get(i, p) * b2.get(p, j));
                long at = cOff + i * ldc + j;
                if (cs.beta() != 0f) magnitude += Math.abs(cs.beta() * cBefore.getAtIndex(F32, at));
                double tolerance = 2e-5 * Math.sqrt(Math.max(k, 1)) * magnitude + 1e-30;
                float got = fused.getAtIndex(F32, at), want = separate.getAtIndex(F32, at);
                if (!(Math.abs(got - want) <= tolerance)) {
                    throw new AssertionError(cs + ": C(" + i + "," + j + ") fused " + got + ", separate " + want
                            + ", allowed difference " + tolerance);
                }
            }
        }
        for (long at = 0; at < cBefore.byteSize() / Float.BYTES; at++) {
            boolean inView = at >= cOff && (at - cOff) / ldc < cs.m() && (at - cOff) % ldc < cs.n();
            if (!inView && Float.floatToRawIntBits(fused.getAtIndex(F32, at)) != Float.floatToRawIntBits(cBefore.getAtIndex(F32, at))) {
                throw new AssertionError(cs + ": element " + at + " outside C's view was overwritten");
            }
        }
    }
}
