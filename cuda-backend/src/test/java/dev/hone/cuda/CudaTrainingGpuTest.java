package dev.hone.cuda;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.reference.ReferenceBackend;
import dev.hone.tensor.spi.BinaryOp;
import dev.hone.tensor.spi.FusedOps;
import dev.hone.tensor.spi.RandomKind;
import dev.hone.tensor.spi.ReduceOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A short training run entirely on the GPU: least squares y = X·w* fitted from w = 0 with the fused
 * AdamW kernel, gradients 2/N·Xᵀ(Xw - y) through cuBLAS (the Xᵀ operand is a transposed view, so the
 * transposed cuBLAS path is exercised). The answer w* is known by construction; the device allocator
 * must hold no more live buffers after the run than before it.
 */
class CudaTrainingGpuTest {
    @RegisterExtension
    static final GpuBackendExtension GPU = new GpuBackendExtension();

    @Test
    void adamwFitsLeastSquaresOnTheGpu() {
        CudaBackend backend = GPU.backend();
        int n = 256, d = 16;
        float[] wTrue = new float[d];
        Random rnd = new Random(3);
        for (int i = 0; i < d; i++) wTrue[i] = (float) (rnd.nextGaussian());
        try (ReferenceBackend host = new ReferenceBackend(); Scope outer = Scope.open(backend)) {
            long liveBefore = backend.memoryStats().liveBuffers();
            Tensor hostW = Tensor.empty(host, DType.F32, Shape.of(d, 1));
            for (int i = 0; i < d; i++) hostW.set(wTrue[i], i, 0);
            Tensor x = Tensor.empty(DType.F32, n, d);
            backend.random(RandomKind.NORMAL, 11, 0, 1, x);
            Tensor y = Tensor.empty(DType.F32, n, 1);
            backend.matmul(x, backend.toDevice(hostW), y, 1f, 0f);

            Tensor w = Tensor.zeros(DType.F32, d, 1);
            Tensor m = Tensor.zeros(DType.F32, d, 1);
            Tensor v = Tensor.zeros(DType.F32, d, 1);
            FusedOps fused = backend.fused().orElseThrow();
            double firstLoss = Double.NaN, lastLoss = Double.NaN;
            for (int step = 1; step <= 400; step++) {
                try (Scope s = Scope.open()) {
                    Tensor residual = Tensor.empty(DType.F32, n, 1);
                    backend.matmul(x, w, residual, 1f, 0f);
                    backend.binary(BinaryOp.SUB, residual, y, residual);
                    Tensor grad = Tensor.empty(DType.F32, d, 1);
                    backend.matmul(x.mT(), residual, grad, 2f / n, 0f);
                    fused.adamw(w, grad, m, v, 0.05f, 0.9f, 0.999f, 1e-8f, 0f, step);
                    if (step == 1 || step == 400) {
                        Tensor sq = Tensor.empty(DType.F32, n, 1);
                        backend.binary(BinaryOp.MUL, residual, residual, sq);
                        Tensor loss = Tensor.empty(DType.F32, 1, 1);
                        backend.reduce(ReduceOp.MEAN, sq, new int[] {0, 1}, loss);
                        double value = backend.toHost(loss, host).item();
                        if (step == 1) firstLoss = value; else lastLoss = value;
                    }
                }
            }
            float[] fitted = backend.toHost(w, host).toFloatArray();
            for (int i = 0; i < d; i++) assertThat(fitted[i]).as("w[%d]", i).isCloseTo(wTrue[i], org.assertj.core.data.Offset.offset(2e-2f));
            assertThat(lastLoss).isLessThan(firstLoss * 1e-3);
            assertThat(backend.memoryStats().liveBuffers()).isEqualTo(liveBefore + 6);   // x, y, uploaded w*, w, m, v
        }
    }
}
