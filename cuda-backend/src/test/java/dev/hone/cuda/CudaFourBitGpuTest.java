package dev.hone.cuda;

import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.testkit.FourBitConformanceTests;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The 4-bit kit on the GPU: the fused GEMV (few rows) and dequantize-then-cuBLAS (many rows, and every input
 * gradient) against the reference. Skipped, with the probe's reason, without a GPU.
 */
class CudaFourBitGpuTest extends FourBitConformanceTests {
    @RegisterExtension
    static final GpuBackendExtension GPU = new GpuBackendExtension();

    @Override
    protected Backend backendUnderTest() { return GPU.backend(); }
}
