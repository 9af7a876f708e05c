package dev.hone.cpu.quant;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** BF16 and F32 tensors through the fused kernels agree with the float[] kernels on the same values. */
class FourBitTensorKernelsTest {

    @Test
    void bf16ActivationsAreWidenedExactlyAndOutputsRounded() {
        FourBitWeight w = FourBitMatmulTest.randomWeight(24, 128, 64, FourBitMatmulTest.NF4, 3);
        try (ReferenceBackend backend = new ReferenceBackend(); Scope _ = Scope.open(backend)) {
            Tensor x = Tensor.of(FourBitMatmulTest.random(2 * 3 * 128, 4), 2, 3, 128).to(DType.BF16);
            Tensor y = Tensor.empty(DType.F32, 2, 3, 24);
            FourBitTensorKernels.forward(x, w, y, null);
            float[] expected = new float[6 * 24];
            FourBitMatmul.forward(x.toFloatArray(), 6, w, expected, null);
            assertThat(y.toFloatArray()).containsExactly(expected);

            Tensor yb = Tensor.empty(DType.BF16, 2, 3, 24);
            FourBitTensorKernels.forward(x, w, yb, null);
            assertThat(yb.toFloatArray()).containsExactly(Tensor.of(expected, 2, 3, 24).to(DType.BF16).toFloatArray());

            Tensor dx = Tensor.empty(DType.F32, 2, 3, 128);
            FourBitTensorKernels.inputGradient(y, w, dx, null);
            float[] dxExpected = new float[6 * 128];
            FourBitMatmul.inputGradient(expected, 6, w, dxExpected, null);
            assertThat(dx.toFloatArray()).containsExactly(dxExpected);

            assertThatThrownBy(() -> FourBitTensorKernels.forward(x, w, Tensor.empty(DType.F32, 2, 3, 23), null))
                    .hasMessageContaining("FourBitMatmul.forward").hasMessageContaining("[2, 3, 23]");
        }
    }
}
