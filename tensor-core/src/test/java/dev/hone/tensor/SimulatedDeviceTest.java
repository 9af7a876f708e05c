package dev.hone.tensor;

import dev.hone.tensor.reference.ReferenceBackend;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.testkit.BackendConformanceTests;
import dev.hone.tensor.testkit.DeviceTransferTests;
import dev.hone.tensor.testkit.SimulatedDeviceBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulated accelerator the higher modules test device residency with: it passes the transfer kit and
 * the conformance kit (over the reference backend's primitives, with composite fused ops), and counts
 * every copy across the host boundary.
 */
class SimulatedDeviceTest {
    private final ReferenceBackend primitives = new ReferenceBackend();
    private final SimulatedDeviceBackend device = new SimulatedDeviceBackend(primitives);

    @AfterEach
    void close() { primitives.close(); }

    @Nested
    class Transfers extends DeviceTransferTests {
        @Override protected Backend device() { return device; }
    }

    @Nested
    class Conformance extends BackendConformanceTests {
        @Override protected Backend backendUnderTest() { return device; }
    }

    @Test
    void copiesAcrossTheHostBoundaryAreCounted() {
        try (Scope _ = Scope.open(device)) {
            Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
            assertThat(device.uploads()).isEqualTo(1);
            t.toFloatArray();
            t.mT().toFloatArray();                                                       // a device copy, then one download
            Ops.sum(t, false).item();
            assertThat(device.downloads()).isEqualTo(3);
            assertThat(device.uploads()).isEqualTo(1);
        }
    }
}
