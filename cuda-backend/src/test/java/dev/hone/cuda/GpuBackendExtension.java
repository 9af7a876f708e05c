package dev.hone.cuda;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The GPU test classes' shared lifecycle, registered as a static {@code @RegisterExtension} field: opens
 * device 0 once before the class when the probe finds a usable GPU, skips every test with the probe's
 * reason otherwise ({@link GpuAvailability#assumeGpu()}), and closes the backend after the class.
 */
final class GpuBackendExtension implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {
    private CudaBackend backend;

    /** The open backend; null outside a class run or without a GPU (tests are skipped then). */
    CudaBackend backend() { return backend; }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (GpuAvailability.probe().available()) backend = CudaBackend.open(0);
    }

    @Override
    public void beforeEach(ExtensionContext context) { GpuAvailability.assumeGpu(); }

    @Override
    public void afterAll(ExtensionContext context) {
        if (backend != null) backend.close();
        backend = null;
    }
}
