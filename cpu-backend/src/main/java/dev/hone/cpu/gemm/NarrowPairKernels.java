package dev.hone.cpu.gemm;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.hone.cpu.gemm.MicroKernel.LANES;
import static dev.hone.cpu.gemm.MicroKernel.NR;
import static dev.hone.cpu.gemm.MicroKernel.SPECIES;

/**
 * The register kernels of {@link NarrowProductPair}, one vector of r wide. X rows are read straight from
 * an F32 row-major segment (row i at byte {@code xAt + i * rowBytes}, element q at {@code + 4q}); N is
 * packed [k x LANES], H's rows are [LANES] each (scale folded in), the partial D is [k x LANES]. Each
 * method is small on purpose: a large vector method that C2 has not compiled yet runs far slower.
 */
final class NarrowPairKernels {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Rows of one {@link #gradient} sweep. */
    static final int GRADIENT_ROWS = 4;

    private NarrowPairKernels() { }

    /**
     * For 8 rows: tile row i (stride NR) = sum over q of x[i, q]·n[q], and partial[q] += sum over i of
     * x[i, q]·h[i], in one sweep over q.
     */
    static void productAndGradient(MemorySegment x, long xAt, long rowBytes, float[] n, int nAt, float[] h, int hAt,
                                   float[] partial, int pAt, int depth, float[] tile) {
        FloatVector h0 = FloatVector.fromArray(SPECIES, h, hAt), h1 = FloatVector.fromArray(SPECIES, h, hAt + LANES),
                h2 = FloatVector.fromArray(SPECIES, h, hAt + 2 * LANES), h3 = FloatVector.fromArray(SPECIES, h, hAt + 3 * LANES),
                h4 = FloatVector.fromArray(SPECIES, h, hAt + 4 * LANES), h5 = FloatVector.fromArray(SPECIES, h, hAt + 5 * LANES),
                h6 = FloatVector.fromArray(SPECIES, h, hAt + 6 * LANES), h7 = FloatVector.fromArray(SPECIES, h, hAt + 7 * LANES);
        FloatVector c0 = FloatVector.zero(SPECIES), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        long r1 = rowBytes, r2 = 2 * rowBytes, r3 = 3 * rowBytes, r4 = 4 * rowBytes, r5 = 5 * rowBytes, r6 = 6 * rowBytes,
                r7 = 7 * rowBytes;
        for (int q = 0; q < depth; q++, xAt += Float.BYTES) {
            FloatVector v = FloatVector.fromArray(SPECIES, n, nAt + q * LANES);
            FloatVector x0 = FloatVector.broadcast(SPECIES, x.get(F32, xAt)), x1 = FloatVector.broadcast(SPECIES, x.get(F32, xAt + r1)),
                    x2 = FloatVector.broadcast(SPECIES, x.get(F32, xAt + r2)), x3 = FloatVector.broadcast(SPECIES, x.get(F32, xAt + r3)),
                    x4 = FloatVector.broadcast(SPECIES, x.get(F32, xAt + r4)), x5 = FloatVector.broadcast(SPECIES, x.get(F32, xAt + r5)),
                    x6 = FloatVector.broadcast(SPECIES, x.get(F32, xAt + r6)), x7 = FloatVector.broadcast(SPECIES, x.get(F32, xAt + r7));
            c0 = x0.fma(v, c0);
            c1 = x1.fma(v, c1);
            c2 = x2.fma(v, c2);
            c3 = x3.fma(v, c3);
            c4 = x4.fma(v, c4);
            c5 = x5.fma(v, c5);
            c6 = x6.fma(v, c6);
            c7 = x7.fma(v, c7);
            int at = pAt + q * LANES;
            FloatVector even = x6.fma(h6, x4.fma(h4, x2.fma(h2, x0.fma(h0, FloatVector.fromArray(SPECIES, partial, at)))));
            FloatVector odd = x7.fma(h7, x5.fma(h5, x3.fma(h3, x1.mul(h1))));
            even.add(odd).intoArray(partial, at);
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

    /** {@link #productAndGradient} for one row; its product goes to tile[tileAt, tileAt + LANES). */
    static void productAndGradientRow(MemorySegment x, long xAt, float[] n, int nAt, float[] h, int hAt,
                                      float[] partial, int pAt, int depth, float[] tile, int tileAt) {
        FloatVector h0 = FloatVector.fromArray(SPECIES, h, hAt), c0 = FloatVector.zero(SPECIES);
        for (int q = 0; q < depth; q++, xAt += Float.BYTES) {
            FloatVector x0 = FloatVector.broadcast(SPECIES, x.get(F32, xAt));
            c0 = x0.fma(FloatVector.fromArray(SPECIES, n, nAt + q * LANES), c0);
            int at = pAt + q * LANES;
            x0.fma(h0, FloatVector.fromArray(SPECIES, partial, at)).intoArray(partial, at);
        }
        c0.intoArray(tile, tileAt);
    }

    /**
     * For 4 rows: partial[q] += sum over i of x[i, q]·h[i]. Four rows, not eight: C2 unrolls this loop and,
     * with eight rows of H live, spilled them to the stack; two 4-row calls per 8-row block measured ~20%
     * faster ([2048 x 768], r = 16, one thread: 0.63-0.77 vs 0.82-0.95 ms).
     */
    static void gradient(MemorySegment x, long xAt, long rowBytes, float[] h, int hAt, float[] partial, int pAt, int depth) {
        FloatVector h0 = FloatVector.fromArray(SPECIES, h, hAt), h1 = FloatVector.fromArray(SPECIES, h, hAt + LANES),
                h2 = FloatVector.fromArray(SPECIES, h, hAt + 2 * LANES), h3 = FloatVector.fromArray(SPECIES, h, hAt + 3 * LANES);
        long r1 = rowBytes, r2 = 2 * rowBytes, r3 = 3 * rowBytes;
        for (int q = 0; q < depth; q++, xAt += Float.BYTES) {
            int at = pAt + q * LANES;
            FloatVector even = FloatVector.broadcast(SPECIES, x.get(F32, xAt)).fma(h0, FloatVector.fromArray(SPECIES, partial, at));
            FloatVector odd = FloatVector.broadcast(SPECIES, x.get(F32, xAt + r1)).mul(h1);
            even = FloatVector.broadcast(SPECIES, x.get(F32, xAt + r2)).fma(h2, even);
            odd = FloatVector.broadcast(SPECIES, x.get(F32, xAt + r3)).fma(h3, odd);
            even.add(odd).intoArray(partial, at);
        }
    }

    /** {@link #gradient} for one row. */
    static void gradientRow(MemorySegment x, long xAt, float[] h, int hAt, float[] partial, int pAt, int depth) {
        FloatVector h0 = FloatVector.fromArray(SPECIES, h, hAt);
        for (int q = 0; q < depth; q++, xAt += Float.BYTES) {
            int at = pAt + q * LANES;
            FloatVector.broadcast(SPECIES, x.get(F32, xAt)).fma(h0, FloatVector.fromArray(SPECIES, partial, at)).intoArray(partial, at);
        }
    }
}
