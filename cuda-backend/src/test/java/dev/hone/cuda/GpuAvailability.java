package dev.hone.cuda;

import dev.hone.tensor.spi.BackendProvider;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Skips GPU tests visibly, with the provider's one-line reason, when no usable GPU is present. Tests
 * call {@link #assumeGpu()} per test (in @BeforeEach), so every skipped test shows the reason.
 */
final class GpuAvailability {
    private GpuAvailability() { }

    static BackendProvider.Availability probe() { return new CudaBackendProvider().probe(); }

    static void assumeGpu() {
        BackendProvider.Availability a = probe();
        assumeTrue(a.available(), () -> "CUDA backend " + a);
    }
}
