package dev.hone.cuda;

import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.testkit.BackendConformanceTests;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shared backend test kit on the GPU: every primitive and fused op against the reference backend.
 * Skipped, with the probe's reason, where no GPU is usable.
 */
class CudaConformanceGpuTest extends BackendConformanceTests {
    @RegisterExtension
    static final GpuBackendExtension GPU = new GpuBackendExtension();

    @Override
    protected Backend backendUnderTest() { return GPU.backend(); }

    @Override
    protected Tensor upload(Tensor host) { return GPU.backend().toDevice(host); }

    @Override
    protected Tensor download(Tensor t) { return GPU.backend().toHost(t, reference()); }
}
