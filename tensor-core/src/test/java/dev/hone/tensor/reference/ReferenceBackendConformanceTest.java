package dev.hone.tensor.reference;

import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.testkit.BackendConformanceTests;
import org.junit.jupiter.api.AfterEach;

/**
 * Runs the backend test kit on a second ReferenceBackend instance: every comparison must hold (here
 * exactly), which proves the kit itself runs, covers every op, and pairs operands correctly.
 */
class ReferenceBackendConformanceTest extends BackendConformanceTests {
    private final ReferenceBackend backend = new ReferenceBackend();

    @Override
    protected Backend backendUnderTest() { return backend; }

    @AfterEach
    void closeBackend() { backend.close(); }
}
