package dev.hone.cuda;

import dev.hone.tensor.DType;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Storage;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.FourBitOps;

import java.util.ArrayList;
import java.util.List;

/**
 * The CUDA backend's 4-bit products (NF4 or FP4, bitsandbytes' layout; the code book is a tensor, so both
 * formats take the same kernels). A batch of at most {@link #GEMV_ROWS} rows (decoding) goes through the fused
 * GEMV that reads the packed weight directly; larger batches (training, prefill) dequantize the weight into a
 * temporary of the activations' dtype and call cuBLAS, as bitsandbytes does, so the dense weight exists for the
 * duration of one product only. The input gradient always takes the second path.
 */
final class CudaFourBitOps implements FourBitOps {
    /** Batches up to this many rows use the fused GEMV. */
    static final int GEMV_ROWS = 8;

    private final CudaBackend backend;

    CudaFourBitOps(CudaBackend backend) { this.backend = backend; }

    @Override
    public boolean supports(DType activations, int n, int k, int blocksize) {
        return (activations == DType.F32 || activations == DType.BF16) && k % 2 == 0;
    }

    @Override
    public void matmul(Tensor x, Tensor codes, Tensor absmax, Tensor codebook, int n, int k, int blocksize, Tensor y) {
        new PackedWeight(codes, absmax, codebook, n, k, blocksize);                        // checks the parts
        if (x.dim(0) <= GEMV_ROWS) {
            backend.nf4().gemv(codes, absmax, blocksize, codebook, x, y);
            return;
        }
        withDequantized(codes, absmax, codebook, n, k, blocksize, x.dtype(), w -> backend.matmul(x, w.mT(), y, 1f, 0f));
    }

    @Override
    public void inputGradient(Tensor dy, Tensor codes, Tensor absmax, Tensor codebook, int n, int k, int blocksize, Tensor dx) {
        new PackedWeight(codes, absmax, codebook, n, k, blocksize);
        withDequantized(codes, absmax, codebook, n, k, blocksize, dy.dtype(), w -> backend.matmul(dy, w, dx, 1f, 0f));
    }

    private void withDequantized(Tensor codes, Tensor absmax, Tensor codebook, int n, int k, int blocksize, DType dtype,
                                 java.util.function.Consumer<Tensor> use) {
        List<Storage> temps = new ArrayList<>();
        try {
            Tensor w = backend.temporary(dtype, Shape.of(n, k), temps);                     // [n, k], freed after the product
            backend.nf4().dequantize(codes, absmax, blocksize, codebook, w);
            use.accept(w);
        } finally {
            CudaBackend.release(temps);
        }
    }
}
