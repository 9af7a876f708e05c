package dev.hone.tensor.ops;

import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.testkit.BackendConformanceTests;
import org.junit.jupiter.api.AfterEach;

/**
 * Runs the backend test kit on a backend without fused kernels, so every FusedOps case (forward and
 * backward) compares {@link CompositeFusedOps}, built from primitives, against the reference
 * backend's direct loops within the kit's F32 and BF16 fused tolerances.
 */
class CompositeFusedOpsConformanceTest extends BackendConformanceTests {
    private final PrimitivesOnlyBackend backend = new PrimitivesOnlyBackend();

    @Override
    protected Backend backendUnderTest() { return backend; }

    @AfterEach
    void closeBackend() { backend.close(); }
}
