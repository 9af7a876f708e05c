package dev.hone.cpu.quant;

import dev.hone.cpu.gemm.Gemm;
import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

import java.lang.foreign.MemorySegment;

/**
 * The many-rows path of {@link FourBitMatmul} (prefill and training, M ≥ {@link #MIN_ROWS} activation
 * rows), as bitsandbytes does for batches larger than one (MatMul4Bit: dequantize_4bit, then a dense
 * matmul): the weight is dequantized a tile of rows at a time into a transient F32 buffer of about
 * {@link #TILE_FLOATS} values (4 MiB, whatever the weight's size) and multiplied with the packed SGEMM
 * ({@link Gemm}: the caller's instance, so its packing buffers are reused across calls). Each weight is
 * then decoded once per call instead of once per four activation rows, and the product runs at SGEMM
 * speed. Dequantized values are codebook[code] * absmax in float32, exactly
 * the dense weight; they are stored in {@link NibbleDecoder}'s de-interleaved group order (natural order
 * without vector support), the order the caller keeps the activations (forward) and the accumulators
 * (input gradient) in, so no shuffle is needed. Sums are blocked as {@link Gemm} blocks them (normal
 * F32 rounding differences from the fused loop).
 */
final class FourBitDequantizeGemm {
    /** From this many activation rows on, dequantize-then-GEMM beats the fused loop. */
    static final int MIN_ROWS = 16;
    /** Values in one dequantized tile. */
    private static final int TILE_FLOATS = 1 << 20;
    /** Weight rows dequantized per pool task. */
    private static final int ROWS_PER_TASK = 16;

    private FourBitDequantizeGemm() { }

    /** y[M, N] = xs[M, K] · dequant(W)ᵀ with xs in decoded order; y is overwritten; gemm runs on pool. */
    static void forward(float[] xs, int rows, FourBitWeight w, float[] y, WorkerPool pool, Gemm gemm) {
        forward(MemorySegment.ofArray(xs), 0, rows, w, MemorySegment.ofArray(y), 0, pool, gemm, false, new TileBuffers());
    }

    /**
     * y[M, N] = x[M, K] · dequant(W)ᵀ with x and y F32 row-major in natural order, read and written in place
     * (element offsets into their segments): the tile is dequantized in natural order, so the activations need
     * no reordered copy and the product lands in y directly. y is overwritten.
     */
    static void forwardInPlace(MemorySegment x, long xOffset, int rows, FourBitWeight w, MemorySegment y, long yOffset,
                               WorkerPool pool, Gemm gemm, TileBuffers tiles) {
        forward(x, xOffset, rows, w, y, yOffset, pool, gemm, true, tiles);
    }

    /** acc[M, K] = dy[M, N] · dequant(W) with acc in decoded order; acc is overwritten; gemm runs on pool. */
    static void inputGradient(float[] dy, int rows, FourBitWeight w, float[] acc, WorkerPool pool, Gemm gemm) {
        inputGradient(MemorySegment.ofArray(dy), 0, rows, w, MemorySegment.ofArray(acc), 0, pool, gemm, false, new TileBuffers());
    }

    /** dx[M, K] = dy[M, N] · dequant(W), F32 row-major in natural order, in place as {@link #forwardInPlace}; dx is overwritten. */
    static void inputGradientInPlace(MemorySegment dy, long dyOffset, int rows, FourBitWeight w, MemorySegment dx, long dxOffset,
                                     WorkerPool pool, Gemm gemm, TileBuffers tiles) {
        inputGradient(dy, dyOffset, rows, w, dx, dxOffset, pool, gemm, true, tiles);
    }

    /** y[:, n0 .. n0+count) = x [rows, K] · tile[count, K]ᵀ per tile; the tile and x share the order {@code natural} names. */
    private static void forward(MemorySegment x, long xOffset, int rows, FourBitWeight w, MemorySegment y, long yOffset,
                                WorkerPool pool, Gemm gemm, boolean natural, TileBuffers tiles) {
        int n = w.rows(), k = w.cols();
        forEachTile(w, pool, natural, tiles, (tile, n0, count) ->
                gemm.gemm(rows, count, k, 1f, DType.F32, x, xOffset, k, 1, DType.F32, tile, 0, 1, k, 0f, y, yOffset + n0, n));
    }

    /** dx [rows, K] (+)= dy[:, n0 .. n0+count) · tile[count, K] per tile, the first tile overwriting. */
    private static void inputGradient(MemorySegment dy, long dyOffset, int rows, FourBitWeight w, MemorySegment dx, long dxOffset,
                                      WorkerPool pool, Gemm gemm, boolean natural, TileBuffers tiles) {
        int n = w.rows(), k = w.cols();
        forEachTile(w, pool, natural, tiles, (tile, n0, count) ->
                gemm.gemm(rows, k, count, 1f, DType.F32, dy, dyOffset + n0, n, 1, DType.F32, tile, 0, k, 1, n0 == 0 ? 0f : 1f,
                        dx, dxOffset, k));
    }

    /** The product one dequantized tile (weight rows [n0, n0 + count), row-major [count, K]) takes part in. */
    @FunctionalInterface
    private interface TileProduct {
        void apply(MemorySegment tile, int n0, int count);
    }

    /** Dequantizes the weight a tile of rows at a time into one reused buffer and hands each tile to {@code product}. */
    private static void forEachTile(FourBitWeight w, WorkerPool pool, boolean natural, TileBuffers tiles, TileProduct product) {
        int n = w.rows();
        int tileRows = tileRows(w);
        float[] tile = tiles.take(tileRows * w.cols());
        try {
            MemorySegment b = MemorySegment.ofArray(tile);
            NibbleDecoder decoder = new NibbleDecoder(w.table());
            for (int n0 = 0; n0 < n; n0 += tileRows) {
                int count = Math.min(tileRows, n - n0);
                dequantizeRows(decoder, w, n0, count, tile, pool, natural);
                product.apply(b, n0, count);
            }
        } finally {
            tiles.release(tile);
        }
    }

    /** Whole multiples of {@link #ROWS_PER_TASK} holding about TILE_FLOATS values, at most the weight's rows. */
    private static int tileRows(FourBitWeight w) {
        int rows = Math.max(ROWS_PER_TASK, TILE_FLOATS / w.cols() / ROWS_PER_TASK * ROWS_PER_TASK);
        return Math.min(rows, w.rows());
    }

    /** Weight rows [n0, n0 + count) dequantized into tile rows [0, count), in parallel; natural or decoded order. */
    private static void dequantizeRows(NibbleDecoder d, FourBitWeight w, int n0, int count, float[] tile, WorkerPool pool,
                                       boolean natural) {
        int k = w.cols();
        pool.parallelFor((count + ROWS_PER_TASK - 1) / ROWS_PER_TASK, t -> {
            int end = Math.min(count, (t + 1) * ROWS_PER_TASK);
            for (int r = t * ROWS_PER_TASK; r < end; r++) dequantizeRow(d, w, n0 + r, tile, r * k, natural);
        });
    }

    private static void dequantizeRow(NibbleDecoder d, FourBitWeight w, int n, float[] out, int outPos, boolean natural) {
        int k = w.cols(), bs = w.blocksize();
        long rowByte = (long) n * k / 2;
        for (int b = 0; b < w.blocksPerRow(); b++) {
            float scale = w.absmaxAt(n * w.blocksPerRow() + b);
            if (NibbleDecoder.supported()) {
                for (int g = b * bs; g < (b + 1) * bs; g += NibbleDecoder.GROUP) {
                    IntVector codes = NibbleDecoder.loadCodes(w.packed(), rowByte + g / 2);
                    FloatVector even = d.even(codes).mul(scale), odd = d.odd(codes).mul(scale);
                    if (natural) {
                        d.storeNatural(even, odd, out, outPos + g);
                    } else {
                        even.intoArray(out, outPos + g);
                        odd.intoArray(out, outPos + g + NibbleDecoder.LANES);
                    }
                }
            } else {
                for (int i = b * bs; i < (b + 1) * bs; i++) out[outPos + i] = w.table()[FourBitMatmul.code(w, (long) n * k + i)] * scale;
            }
        }
    }
}
