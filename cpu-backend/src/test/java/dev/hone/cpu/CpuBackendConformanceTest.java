package dev.hone.cpu;

import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.testkit.BackendConformanceTests;
import dev.hone.tensor.testkit.FourBitConformanceTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.TestInstance;

/**
 * The shared backend test kit (every primitive and fused op against the reference, tolerances as
 * documented on {@link BackendConformanceTests}) run on the CPU backend with one worker thread (all
 * work on the caller) and with two (work split across the pool); and the 4-bit kit on two threads.
 */
class CpuBackendConformanceTest {

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OneThread extends BackendConformanceTests {
        private final CpuBackend backend = new CpuBackend(1);

        @Override
        protected Backend backendUnderTest() { return backend; }

        @AfterAll
        void close() { backend.close(); }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class TwoThreads extends BackendConformanceTests {
        private final CpuBackend backend = new CpuBackend(2);

        @Override
        protected Backend backendUnderTest() { return backend; }

        @AfterAll
        void close() { backend.close(); }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class FourBit extends FourBitConformanceTests {
        private final CpuBackend backend = new CpuBackend(2);

        @Override
        protected Backend backendUnderTest() { return backend; }

        @AfterAll
        void close() { backend.close(); }
    }
}
