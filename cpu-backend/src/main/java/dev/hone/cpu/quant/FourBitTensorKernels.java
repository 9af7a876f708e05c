package dev.hone.cpu.quant;

import dev.hone.cpu.gemm.Gemm;
import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.DType;
import dev.hone.tensor.Device;
import dev.hone.tensor.Elements;
import dev.hone.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * {@link FourBitMatmul} on host tensors: activations F32 or BF16 (widened exactly to F32), outputs F32
 * or BF16 (rounded to nearest even from the F32 sums), any leading batch axes. Inputs and outputs must
 * be contiguous CPU tensors whose last axis matches the weight; errors name the op and the shapes.
 * F32 products with enough rows for the dequantize-then-GEMM path run on the tensors' own memory (the
 * weight is dequantized in natural order); the rest go through float arrays. Copying and reordering the
 * activations cost an NF4 layer [2048x768]·[768x768] forward+backward 28.0 ms against 17.2 ms in place
 * (the dense layer: 16.2 ms).
 */
public final class FourBitTensorKernels {
    private FourBitTensorKernels() { }

    /** y[..., N] = x[..., K] · dequant(W)ᵀ, with a Gemm made per call when the many-rows path needs one. */
    public static void forward(Tensor x, FourBitWeight w, Tensor y, WorkerPool pool) {
        forward(x, w, y, pool, null);
    }

    /** y[..., N] = x[..., K] · dequant(W)ᵀ; {@code gemm} runs on {@code pool} (see {@link FourBitMatmul}). */
    public static void forward(Tensor x, FourBitWeight w, Tensor y, WorkerPool pool, Gemm gemm) {
        forward(x, w, y, pool, gemm, new TileBuffers());
    }

    /** {@link #forward(Tensor, FourBitWeight, Tensor, WorkerPool, Gemm)} with dequantized tiles from {@code tiles}. */
    public static void forward(Tensor x, FourBitWeight w, Tensor y, WorkerPool pool, Gemm gemm, TileBuffers tiles) {
        int rows = check("forward", x, w.cols(), y, w.rows());
        if (inPlace(rows, pool, x, y)) {
            FourBitDequantizeGemm.forwardInPlace(x.storage().segment(), x.layout().offset(), rows, w, y.storage().segment(),
                    y.layout().offset(), pool, FourBitMatmul.orNew(gemm, pool), tiles);
            return;
        }
        float[] out = new float[Math.toIntExact(y.numel())];
        FourBitMatmul.forward(read(x), rows, w, out, pool, gemm);
        write(out, y);
    }

    /** dx[..., K] = dy[..., N] · dequant(W) (overwrites dx), with a Gemm made per call when needed. */
    public static void inputGradient(Tensor dy, FourBitWeight w, Tensor dx, WorkerPool pool) {
        inputGradient(dy, w, dx, pool, null);
    }

    /** dx[..., K] = dy[..., N] · dequant(W) (overwrites dx); {@code gemm} runs on {@code pool}. */
    public static void inputGradient(Tensor dy, FourBitWeight w, Tensor dx, WorkerPool pool, Gemm gemm) {
        inputGradient(dy, w, dx, pool, gemm, new TileBuffers());
    }

    /** {@link #inputGradient(Tensor, FourBitWeight, Tensor, WorkerPool, Gemm)} with dequantized tiles from {@code tiles}. */
    public static void inputGradient(Tensor dy, FourBitWeight w, Tensor dx, WorkerPool pool, Gemm gemm, TileBuffers tiles) {
        int rows = check("inputGradient", dy, w.rows(), dx, w.cols());
        if (inPlace(rows, pool, dy, dx)) {
            FourBitDequantizeGemm.inputGradientInPlace(dy.storage().segment(), dy.layout().offset(), rows, w, dx.storage().segment(),
                    dx.layout().offset(), pool, FourBitMatmul.orNew(gemm, pool), tiles);
            return;
        }
        float[] out = new float[Math.toIntExact(dx.numel())];
        FourBitMatmul.inputGradient(read(dy), rows, w, out, pool, gemm);
        write(out, dx);
    }

    /**
     * Whether the product runs on the tensors' own memory: F32 in and out, enough rows for the
     * dequantize-then-GEMM path, and vector decoding (which can emit the natural order). Otherwise the
     * activations are copied to arrays (widening BF16) for {@link FourBitMatmul}.
     */
    private static boolean inPlace(int rows, WorkerPool pool, Tensor in, Tensor out) {
        return pool != null && rows >= FourBitDequantizeGemm.MIN_ROWS && NibbleDecoder.supported()
                && in.dtype() == DType.F32 && out.dtype() == DType.F32;
    }

    /** The activation rows, after checking the tensors; the message (shapes concatenated) is built only on failure. */
    private static int check(String op, Tensor in, int inCols, Tensor out, int outCols) {
        for (Tensor t : new Tensor[] {in, out}) {
            if (t.device().kind() != Device.Kind.CPU || !t.isContiguous()) throw new IllegalArgumentException(what(op, in, inCols, out, outCols) + ": tensors must be contiguous on the CPU");
            if (t.dtype() != DType.F32 && t.dtype() != DType.BF16) throw new IllegalArgumentException(what(op, in, inCols, out, outCols) + ": dtypes must be F32 or BF16");
            if (t.rank() < 1) throw new IllegalArgumentException(what(op, in, inCols, out, outCols) + ": tensors need at least one axis");
        }
        if (in.dim(-1) != inCols || out.dim(-1) != outCols || in.numel() / inCols != out.numel() / outCols) {
            throw new IllegalArgumentException(what(op, in, inCols, out, outCols) + ": shapes do not match");
        }
        return Math.toIntExact(in.numel() / inCols);
    }

    private static String what(String op, Tensor in, int inCols, Tensor out, int outCols) {
        return "FourBitMatmul." + op + ": " + in.shape() + " " + in.dtype() + " -> " + out.shape() + " " + out.dtype()
                + " with weight [" + (op.equals("forward") ? outCols + ", " + inCols : inCols + ", " + outCols) + "]";
    }

    private static float[] read(Tensor t) {
        MemorySegment seg = t.storage().segment();
        long offset = t.layout().offset();
        float[] out = new float[Math.toIntExact(t.numel())];
        if (t.dtype() == DType.F32) {
            MemorySegment.copy(seg, Elements.F32, offset * 4, out, 0, out.length);
        } else {
            for (int i = 0; i < out.length; i++) out[i] = Elements.bf16ToFloat(seg.getAtIndex(Elements.I16, offset + i));
        }
        return out;
    }

    private static void write(float[] values, Tensor t) {
        MemorySegment seg = t.storage().segment();
        long offset = t.layout().offset();
        if (t.dtype() == DType.F32) {
            MemorySegment.copy(values, 0, seg, Elements.F32, offset * 4, values.length);
        } else {
            for (int i = 0; i < values.length; i++) seg.setAtIndex(Elements.I16, offset + i, Elements.floatToBf16(values[i]));
        }
    }
}
