package dev.hone.cuda;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * NF4 kernels against a host decoding written from the layout's definition (bitsandbytes: even element
 * in the high nibble, one absmax per block): dequantize must match exactly, the fused GEMV must match
 * x·Wᵀ of the decoded weight to F32 rounding.
 */
class CudaNf4GpuTest {
    @RegisterExtension
    static final GpuBackendExtension GPU = new GpuBackendExtension();

    @Test
    void dequantizeAndGemvMatchTheLayoutDefinition() {
        CudaBackend backend = GPU.backend();
        int rows = 48, k = 96, block = 32, m = 3;
        Random rnd = new Random(5);
        byte[] codes = new byte[rows * k / 2];
        rnd.nextBytes(codes);
        float[] absmax = new float[rows * k / block];
        for (int i = 0; i < absmax.length; i++) absmax[i] = 0.5f + rnd.nextFloat();
        float[] table = new float[16];
        for (int i = 0; i < 16; i++) table[i] = -1f + 2f * i / 15f;
        float[] weight = new float[rows * k];
        for (int i = 0; i < weight.length; i++) {
            int b = codes[i / 2] & 0xff;
            int code = i % 2 == 0 ? b >>> 4 : b & 15;
            weight[i] = table[code] * absmax[i / block];
        }
        float[] x = new float[m * k];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();

        try (ReferenceBackend host = new ReferenceBackend(); Scope scope = Scope.open(backend)) {
            Tensor hostCodes = Tensor.empty(host, DType.U8, Shape.of(codes.length));
            for (int i = 0; i < codes.length; i++) hostCodes.set(codes[i] & 0xff, i);
            Tensor dCodes = backend.toDevice(hostCodes);
            Tensor dAbsmax = backend.toDevice(hostFloats(host, absmax, absmax.length));
            Tensor dTable = backend.toDevice(hostFloats(host, table, 16));
            Tensor dense = Tensor.empty(DType.F32, rows, k);
            backend.nf4().dequantize(dCodes, dAbsmax, block, dTable, dense);
            assertThat(backend.toHost(dense, host).toFloatArray()).containsExactly(weight);

            Tensor y = Tensor.empty(DType.F32, m, rows);
            backend.nf4().gemv(dCodes, dAbsmax, block, dTable, backend.toDevice(hostFloats(host, x, m, k)), y);
            float[] got = backend.toHost(y, host).toFloatArray();
            for (int i = 0; i < m; i++) {
                for (int r = 0; r < rows; r++) {
                    double expected = 0;
                    for (int j = 0; j < k; j++) expected += (double) x[i * k + j] * weight[r * k + j];
                    assertThat((double) got[i * rows + r]).as("y[%d, %d]", i, r).isCloseTo(expected, within(1e-4 * Math.sqrt(k)));
                }
            }
        }
    }

    private static Tensor hostFloats(ReferenceBackend host, float[] values, int... dims) {
        Tensor t = Tensor.empty(host, DType.F32, Shape.of(dims));
        java.lang.foreign.MemorySegment.copy(values, 0, t.storage().segment(), java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
        return t;
    }
}
