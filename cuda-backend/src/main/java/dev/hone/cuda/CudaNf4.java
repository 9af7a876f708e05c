package dev.hone.cuda;

import dev.hone.cuda.kernel.KernelArg;
import dev.hone.cuda.kernel.LaunchConfig;
import dev.hone.tensor.DType;
import dev.hone.tensor.Storage;
import dev.hone.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

import static dev.hone.cuda.DeviceViews.first;
import static dev.hone.cuda.DeviceViews.requireContiguous;
import static dev.hone.cuda.DeviceViews.requireDtype;
import static dev.hone.cuda.DeviceViews.suffix;

/**
 * NF4 kernels (nf4.cu) for the quant module: dequantization and the fused decoding-time GEMV, on
 * bitsandbytes' layout: {@code codes} U8 [numel / 2] with the even element in the high nibble,
 * {@code absmax} F32 [numel / blockSize], {@code table} F32 [16]. Obtain it with {@link CudaBackend#nf4()}.
 */
public final class CudaNf4 {
    private final CudaBackend backend;

    CudaNf4(CudaBackend backend) { this.backend = backend; }

    /** out (F32 or BF16, contiguous, n elements) = table[code] * absmax[block]. */
    public void dequantize(Tensor codes, Tensor absmax, int blockSize, Tensor table, Tensor out) {
        check("nf4 dequantize", codes, absmax, blockSize, table, out.numel());
        requireDtype("nf4 dequantize", out, DType.F32, DType.BF16);
        requireContiguous("nf4 dequantize", "out", out);
        long n = out.numel();
        if (n == 0) return;
        run(temps -> backend.launch("nf4", "nf4_dequantize_" + suffix(out.dtype()), LaunchConfig.linear(n, CudaBackend.THREADS),
                List.of(KernelArg.i64(n), ptr(backend.dense(codes, temps)), ptr(backend.dense(absmax, temps)), KernelArg.i32(blockSize),
                        ptr(backend.dense(table, temps)), ptr(out))));
    }

    /** y [M, N] = x [M, K] · Wᵀ for the NF4 weight W [N, K] (row-major, K even); x and y F32 or BF16 alike. */
    public void gemv(Tensor codes, Tensor absmax, int blockSize, Tensor table, Tensor x, Tensor y) {
        int m = x.dim(0), k = x.dim(1), rows = y.dim(1);
        if (y.dim(0) != m || k % 2 != 0) {
            throw new IllegalArgumentException("nf4 gemv: x " + x.shape() + " and y " + y.shape() + " need the same M and an even K");
        }
        check("nf4 gemv", codes, absmax, blockSize, table, (long) rows * k);
        requireDtype("nf4 gemv", x, DType.F32, DType.BF16);
        if (y.dtype() != x.dtype()) throw new IllegalArgumentException("nf4 gemv: x is " + x.dtype() + ", y is " + y.dtype());
        requireContiguous("nf4 gemv", "y", y);
        if (m == 0 || rows == 0) return;
        run(temps -> backend.launch("nf4", "nf4_gemv_" + suffix(x.dtype()), new LaunchConfig(rows, m, 1, 128, 1, 1, 0),
                List.of(KernelArg.i32(rows), KernelArg.i32(k), ptr(backend.dense(codes, temps)), ptr(backend.dense(absmax, temps)),
                        KernelArg.i32(blockSize), ptr(backend.dense(table, temps)), ptr(backend.dense(x, temps)), ptr(y))));
    }

    private static void check(String op, Tensor codes, Tensor absmax, int blockSize, Tensor table, long numel) {
        requireDtype(op + " codes", codes, DType.U8);
        requireDtype(op + " absmax", absmax, DType.F32);
        requireDtype(op + " table", table, DType.F32);
        if (table.numel() != 16) throw new IllegalArgumentException(op + ": code table " + table.shape() + " must have 16 entries");
        if (blockSize <= 0 || codes.numel() * 2 < numel || absmax.numel() * blockSize < numel) {
            throw new IllegalArgumentException(op + ": " + numel + " elements need " + (numel + 1) / 2 + " code bytes and "
                    + (numel + Math.max(blockSize, 1) - 1) / Math.max(blockSize, 1) + " absmax values of block size " + blockSize
                    + "; got codes " + codes.shape() + ", absmax " + absmax.shape());
        }
    }

    private interface Body { void run(List<Storage> temps); }

    private void run(Body body) {
        backend.ctx.makeCurrent();
        List<Storage> temps = new ArrayList<>();
        try {
            body.run(temps);
        } finally {
            CudaBackend.release(temps);
        }
    }

    private static KernelArg ptr(Tensor t) { return KernelArg.ptr(first(t)); }
}
