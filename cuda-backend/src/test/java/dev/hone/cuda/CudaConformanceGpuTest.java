package dev.hone.cuda;

import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.testkit.BackendConformanceTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The shared backend test kit on the GPU: every primitive and fused op against the reference backend.
 * Skipped, with the probe's reason, where no GPU is usable.
 */
class CudaConformanceGpuTest extends BackendConformanceTests {
    private static CudaBackend backend;

    @BeforeAll
    static void openBackend() {
        if (GpuAvailability.probe().available()) backend = CudaBackend.open(0);
    }

    @BeforeEach
    void requireGpu() { GpuAvailability.assumeGpu(); }

    @AfterAll
    static void closeBackend() {
        if (backend != null) backend.close();
    }

    @Override
    protected Backend backendUnderTest() { return backend; }

    @Override
    protected Tensor upload(Tensor host) { return backend.toDevice(host); }

    @Override
    protected Tensor download(Tensor t) { return backend.toHost(t, reference()); }
}
