package dev.hone.cpu;

import dev.hone.tensor.reference.ReferenceBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Base of the tests that check the cpu backend (2 worker threads, so split work is exercised) against the
 * scalar reference backend: one instance per test class holds both backends and closes them after the
 * class's last test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CpuAgainstReference {
    protected final CpuBackend cpu = new CpuBackend(2);
    protected final ReferenceBackend reference = new ReferenceBackend();

    @AfterAll
    void closeBackends() {
        cpu.close();
        reference.close();
    }
}
