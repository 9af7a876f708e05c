package dev.hone.quant;

import dev.hone.cpu.quant.FourBitMatmul;
import dev.hone.cpu.quant.FourBitWeight;
import dev.hone.tensor.Shape;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A QuantizedTensor's parts feed cpu-backend's fused kernel directly (packed bytes, recovered absmax,
 * code book), and the fused product equals dequantize-then-matmul.
 */
class FusedKernelBridgeTest {

    @Test
    void fusedForwardOfAQuantizedTensorEqualsDequantizeThenMatmul() {
        int n = 48, k = 256, m = 3;
        QuantizedTensor q = QuantizedTensor.quantize(QuantizedTensorTest.gaussian(n * k, 9), Shape.of(n, k), QuantSpec.qlora());
        FourBitWeight w = new FourBitWeight(q.data(), q.blockAbsmax(), q.codeBook().values(), n, k, q.blocksize());
        float[] x = QuantizedTensorTest.gaussian(m * k, 10);
        float[] y = new float[m * n];
        FourBitMatmul.forward(x, m, w, y, null);
        float[] dense = q.dequantize();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double ref = 0, mag = 0;
                for (int c = 0; c < k; c++) {
                    ref += (double) x[i * k + c] * dense[j * k + c];
                    mag += Math.abs((double) x[i * k + c] * dense[j * k + c]);
                }
                assertThat((double) y[i * n + j]).isCloseTo(ref, within(1e-5 * mag + 1e-6));
            }
        }
    }
}
