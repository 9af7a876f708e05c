package dev.hone.tensor.reference;

import dev.hone.tensor.Device;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.BackendProvider;
import dev.hone.tensor.spi.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reference backend is found through ServiceLoader under its name, and offers itself as FusedOps. */
class ReferenceBackendProviderTest {

    @Test
    void foundByNameThroughServiceLoader() {
        BackendProvider provider = Backends.providers().stream().filter(p -> p.name().equals("reference")).findFirst().orElseThrow();
        assertEquals(0, provider.priority());
        assertTrue(provider.probe().available());
        try (Backend backend = Backends.open("reference")) {
            assertInstanceOf(ReferenceBackend.class, backend);
            assertEquals(Device.CPU, backend.device());
            assertSame(backend, backend.fused().orElseThrow());
        }
    }
}
