package dev.hone.cuda;

import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.testkit.BackendConformanceTests;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shared backend test kit on the GPU: every primitive and fused op against the reference backend, with
 * inputs uploaded and results downloaded through the backend's copyFromHost / copyToHost.
 * Skipped, with the probe's reason, where no GPU is usable.
 */
class CudaConformanceGpuTest extends BackendConformanceTests {
    @RegisterExtension
    static final GpuBackendExtension GPU = new GpuBackendExtension();

    @Override
    protected Backend backendUnderTest() { return GPU.backend(); }
}
