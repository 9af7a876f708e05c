package dev.hone.cpu.quant;

import dev.hone.cpu.gemm.Gemm;
import dev.hone.cpu.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

import java.lang.foreign.ValueLayout;
import java.util.function.IntConsumer;

/**
 * Fused dequantize-and-multiply for 4-bit weights (NF4 / FP4 in bitsandbytes' layout, see
 * {@link FourBitWeight}), never materialising the dense weight:
 * <pre>
 *   forward        y[M, N]  = x[M, K] · dequant(W)[N, K]ᵀ
 *   inputGradient  dx[M, K] = dy[M, N] · dequant(W)[N, K]
 * </pre>
 * Float32 accumulation throughout. With a pool and at least {@link FourBitDequantizeGemm#MIN_ROWS}
 * activation rows both directions dequantize tiles of the weight and run the packed SGEMM
 * ({@link FourBitDequantizeGemm}) on the caller's {@link Gemm} (the overloads without one make a Gemm per
 * call, losing its reused packing buffers). Below that the forward pass is {@link WideNibbleGemv}
 * (64-byte loads, absmax applied once per chunk and lane; its javadoc gives the rounding order) and the
 * input gradient decodes groups of 2L weights with {@link NibbleDecoder}, scaling each by its block's
 * absmax. The forward pass splits the N output features over the pool's threads in fixed ranges of
 * {@link #ROWS_PER_TASK} (each output value is computed by one task in a fixed order, so results do
 * not depend on the thread count or timing); the input gradient splits K. Without 256-bit vectors a
 * scalar loop computes the same sums. A null pool runs on the caller.
 */
public final class FourBitMatmul {
    private FourBitMatmul() { }

    /** Output rows (weight rows) per forward task: 256 tasks for N = 4096, handed out dynamically. */
    private static final int ROWS_PER_TASK = 16;

    /** {@link #forward(float[], int, FourBitWeight, float[], WorkerPool, Gemm)} with a Gemm made per call when needed. */
    public static void forward(float[] x, int rows, FourBitWeight w, float[] y, WorkerPool pool) {
        forward(x, rows, w, y, pool, null);
    }

    /**
     * y[m*N + n] = sum_k x[m*K + k] * W[n, k] for m < rows; x and y are row-major F32. {@code gemm} runs
     * on {@code pool}; when null, one is made for this call if the many-rows path needs it.
     */
    public static void forward(float[] x, int rows, FourBitWeight w, float[] y, WorkerPool pool, Gemm gemm) {
        checkShapes("forward", x.length, rows, w.cols(), y.length, w.rows(), "x", "y");
        int k = w.cols();
        float[] xs = new float[x.length];      // x reordered for the kernel that runs
        if (pool != null && rows >= FourBitDequantizeGemm.MIN_ROWS) {
            for (int m = 0; m < rows; m++) reorderActivations(x, m * k, xs, m * k, k);
            FourBitDequantizeGemm.forward(xs, rows, w, y, pool, orNew(gemm, pool));
            return;
        }
        if (!WideNibbleGemv.supported()) {
            run(pool, taskCount(w.rows()), t -> forEachTaskRow(w, t, n -> {
                for (int m = 0; m < rows; m++) y[m * w.rows() + n] = dotScalar(w, n, x, m * k);
            }));
            return;
        }
        for (int m = 0; m < rows; m++) WideNibbleGemv.reorder(x, m * k, xs, m * k, k);
        WideNibbleGemv kernel = new WideNibbleGemv(w.table(), w.blocksize());
        run(pool, taskCount(w.rows()), t -> forEachTaskRow(w, t, n -> {
            int m = 0;
            for (; m + 4 <= rows; m += 4) kernel.dotFourRows(w, n, xs, m, y);
            for (; m < rows; m++) y[m * w.rows() + n] = kernel.dotRow(w, n, xs, m * k);
        }));
    }

    /** {@link #inputGradient(float[], int, FourBitWeight, float[], WorkerPool, Gemm)} with a Gemm made per call when needed. */
    public static void inputGradient(float[] dy, int rows, FourBitWeight w, float[] dx, WorkerPool pool) {
        inputGradient(dy, rows, w, dx, pool, null);
    }

    /** dx[m*K + k] = sum_n dy[m*N + n] * W[n, k] for m < rows; dx is overwritten; gemm as for forward. */
    public static void inputGradient(float[] dy, int rows, FourBitWeight w, float[] dx, WorkerPool pool, Gemm gemm) {
        checkShapes("inputGradient", dy.length, rows, w.rows(), dx.length, w.cols(), "dy", "dx");
        int k = w.cols();
        float[] acc = new float[dx.length];
        if (pool != null && rows >= FourBitDequantizeGemm.MIN_ROWS) {
            FourBitDequantizeGemm.inputGradient(dy, rows, w, acc, pool, orNew(gemm, pool));
        } else {
            NibbleDecoder decoder = new NibbleDecoder(w.table());
            int chunk = columnsPerTask(w);
            run(pool, k / chunk, t -> gradientColumns(decoder, w, dy, rows, acc, t * chunk, chunk));
        }
        for (int m = 0; m < rows; m++) restoreOrder(acc, m * k, dx, m * k, k);
    }

    // ---------------------------------------------------------------- forward

    /** Forward tasks for N output features: a fixed split of whole {@link #ROWS_PER_TASK} ranges. */
    private static int taskCount(int n) { return (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK; }

    /** Calls {@code body} for each output feature of forward task t. */
    private static void forEachTaskRow(FourBitWeight w, int t, IntConsumer body) {
        int end = Math.min(w.rows(), (t + 1) * ROWS_PER_TASK);
        for (int n = t * ROWS_PER_TASK; n < end; n++) body.accept(n);
    }

    /** Scalar fallback over x in natural order. */
    private static float dotScalar(FourBitWeight w, int n, float[] x, int xBase) {
        int k = w.cols();
        float acc = 0f;
        for (int b = 0; b < w.blocksPerRow(); b++) {
            float block = 0f;
            for (int i = b * w.blocksize(); i < (b + 1) * w.blocksize(); i++) block += w.table()[code(w, (long) n * k + i)] * x[xBase + i];
            acc += block * w.absmaxAt(n * w.blocksPerRow() + b);
        }
        return acc;
    }

    // ---------------------------------------------------------------- input gradient

    private static int columnsPerTask(FourBitWeight w) {
        int chunk = w.blocksize();
        while (chunk < 512 && w.cols() % (chunk * 2) == 0) chunk *= 2;
        return chunk;
    }

    /** acc[m, c0 .. c0+width) += sum_n dy[m, n] * W[n, c0 .. c0+width), in decoded (de-interleaved) order. */
    private static void gradientColumns(NibbleDecoder d, FourBitWeight w, float[] dy, int rows, float[] acc, int c0, int width) {
        int n = 0;
        if (NibbleDecoder.supported()) {
            for (; n + 4 <= w.rows(); n += 4) {
                for (int b = c0 / w.blocksize(); b < (c0 + width) / w.blocksize(); b++) gradientBlockFourRows(d, w, n, b, dy, rows, acc);
            }
        }
        for (; n < w.rows(); n++) {
            for (int b = c0 / w.blocksize(); b < (c0 + width) / w.blocksize(); b++) {
                float scale = w.absmaxAt(n * w.blocksPerRow() + b);
                if (NibbleDecoder.supported()) gradientBlock(d, w, n, b, scale, dy, rows, acc);
                else gradientBlockScalar(w, n, b, scale, dy, rows, acc);
            }
        }
    }

    /** Block b of weight row n, scaled, added into every activation row's accumulator. */
    private static void gradientBlock(NibbleDecoder d, FourBitWeight w, int n, int b, float scale, float[] dy, int rows, float[] acc) {
        int k = w.cols();
        var f = NibbleDecoder.FLOATS;
        long rowByte = (long) n * k / 2;
        for (int g = b * w.blocksize(); g < (b + 1) * w.blocksize(); g += NibbleDecoder.GROUP) {
            IntVector codes = NibbleDecoder.loadCodes(w.packed(), rowByte + g / 2);
            FloatVector we = d.even(codes).mul(scale);
            FloatVector wo = d.odd(codes).mul(scale);
            for (int m = 0; m < rows; m++) {
                FloatVector s = FloatVector.broadcast(f, dy[m * w.rows() + n]);
                int e = m * k + g;
                int o = e + NibbleDecoder.LANES;
                we.fma(s, FloatVector.fromArray(f, acc, e)).intoArray(acc, e);
                wo.fma(s, FloatVector.fromArray(f, acc, o)).intoArray(acc, o);
            }
        }
    }

    /** Block b of weight rows n..n+3: the accumulators are loaded and stored once per four rows. */
    private static void gradientBlockFourRows(NibbleDecoder d, FourBitWeight w, int n, int b, float[] dy, int rows, float[] acc) {
        int k = w.cols();
        var f = NibbleDecoder.FLOATS;
        int perRow = w.blocksPerRow();
        float s0 = w.absmaxAt(n * perRow + b), s1 = w.absmaxAt((n + 1) * perRow + b);
        float s2 = w.absmaxAt((n + 2) * perRow + b), s3 = w.absmaxAt((n + 3) * perRow + b);
        long rowBytes = k / 2;
        for (int g = b * w.blocksize(); g < (b + 1) * w.blocksize(); g += NibbleDecoder.GROUP) {
            long at = (long) n * rowBytes + g / 2;
            IntVector c0 = NibbleDecoder.loadCodes(w.packed(), at);
            IntVector c1 = NibbleDecoder.loadCodes(w.packed(), at + rowBytes);
            IntVector c2 = NibbleDecoder.loadCodes(w.packed(), at + 2 * rowBytes);
            IntVector c3 = NibbleDecoder.loadCodes(w.packed(), at + 3 * rowBytes);
            FloatVector e0 = d.even(c0), e1 = d.even(c1), e2 = d.even(c2), e3 = d.even(c3);
            FloatVector o0 = d.odd(c0), o1 = d.odd(c1), o2 = d.odd(c2), o3 = d.odd(c3);
            for (int m = 0; m < rows; m++) {
                int dyAt = m * w.rows() + n;
                FloatVector d0 = FloatVector.broadcast(f, dy[dyAt] * s0), d1 = FloatVector.broadcast(f, dy[dyAt + 1] * s1);
                FloatVector d2 = FloatVector.broadcast(f, dy[dyAt + 2] * s2), d3 = FloatVector.broadcast(f, dy[dyAt + 3] * s3);
                int e = m * k + g;
                int o = e + NibbleDecoder.LANES;
                e3.fma(d3, e2.fma(d2, e1.fma(d1, e0.fma(d0, FloatVector.fromArray(f, acc, e))))).intoArray(acc, e);
                o3.fma(d3, o2.fma(d2, o1.fma(d1, o0.fma(d0, FloatVector.fromArray(f, acc, o))))).intoArray(acc, o);
            }
        }
    }

    /** Scalar fallback, natural order. */
    private static void gradientBlockScalar(FourBitWeight w, int n, int b, float scale, float[] dy, int rows, float[] acc) {
        int k = w.cols();
        for (int i = b * w.blocksize(); i < (b + 1) * w.blocksize(); i++) {
            float wv = w.table()[code(w, (long) n * k + i)] * scale;
            for (int m = 0; m < rows; m++) acc[m * k + i] += dy[m * w.rows() + n] * wv;
        }
    }

    // ---------------------------------------------------------------- helpers

    static int code(FourBitWeight w, long i) {
        int b = w.packed().get(ValueLayout.JAVA_BYTE, i >>> 1);
        return (i & 1) == 0 ? (b >> 4) & 0xf : b & 0xf;
    }

    private static void reorderActivations(float[] src, int srcPos, float[] dst, int dstPos, int n) {
        if (NibbleDecoder.supported()) NibbleDecoder.deinterleave(src, srcPos, dst, dstPos, n);
        else System.arraycopy(src, srcPos, dst, dstPos, n);
    }

    private static void restoreOrder(float[] src, int srcPos, float[] dst, int dstPos, int n) {
        if (NibbleDecoder.supported()) NibbleDecoder.interleave(src, srcPos, dst, dstPos, n);
        else System.arraycopy(src, srcPos, dst, dstPos, n);
    }

    static Gemm orNew(Gemm gemm, WorkerPool pool) { return gemm != null ? gemm : new Gemm(pool); }

    private static void run(WorkerPool pool, int tasks, IntConsumer body) {
        if (pool == null) {
            for (int t = 0; t < tasks; t++) body.accept(t);
        } else {
            pool.parallelFor(tasks, body);
        }
    }

    private static void checkShapes(String op, int inLength, int rows, int inCols, int outLength, int outCols, String in, String out) {
        if (rows < 0 || (long) rows * inCols != inLength || (long) rows * outCols != outLength) {
            throw new IllegalArgumentException("FourBitMatmul." + op + ": " + in + " has " + inLength + " values and " + out + " " + outLength
                    + ", expected [" + rows + ", " + inCols + "] and [" + rows + ", " + outCols + "]");
        }
    }
}
