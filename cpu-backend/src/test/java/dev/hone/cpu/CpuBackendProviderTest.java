package dev.hone.cpu;

import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.BackendProvider;
import dev.hone.tensor.spi.Backends;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The provider is found by ServiceLoader, probes available under the test JVM's flags, and opens a working backend. */
class CpuBackendProviderTest {

    @Test
    void serviceLoaderFindsTheCpuProviderAndItProbesAvailable() {
        BackendProvider cpu = Backends.providers().stream().filter(p -> p.name().equals("cpu")).findFirst().orElseThrow();
        assertThat(cpu.priority()).isEqualTo(100);
        assertThat(cpu.probe().available()).as(cpu.probe().toString()).isTrue();
    }

    @Test
    void openedBackendHonoursTheThreadCountAndCloses() {
        try (Backend b = Backends.open("cpu")) {
            assertThat(b.name()).isEqualTo("cpu");
            assertThat(((CpuBackend) b).threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
            assertThat(b.fused()).isPresent();
        }
        try (CpuBackend two = new CpuBackend(2)) {
            assertThat(two.threads()).isEqualTo(2);
        }
    }
}
