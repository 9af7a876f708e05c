package dev.hone.cuda;

import dev.hone.cuda.bindings.NativeLibrary;
import dev.hone.cuda.bindings.cuda_h;
import dev.hone.tensor.spi.BackendProvider;
import dev.hone.tensor.spi.Backends;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The provider is found by ServiceLoader and its probe answers in one line without throwing. */
class CudaProbeTest {

    @Test
    void providerIsRegisteredWithNameAndPriority() {
        BackendProvider cuda = Backends.providers().stream().filter(p -> p.name().equals("cuda")).findFirst().orElseThrow();
        assertThat(cuda).isInstanceOf(CudaBackendProvider.class);
        assertThat(cuda.priority()).isEqualTo(200);
    }

    @Test
    void probeNeverThrowsAndGivesAOneLineReason() {
        BackendProvider.Availability a = new CudaBackendProvider().probe();
        assertThat(a.toString()).doesNotContain("\n");
        if (NativeLibrary.find(cuda_h.LIBRARIES).isEmpty()) {
            assertThat(a.available()).isFalse();
            assertThat(a.toString()).isEqualTo("unavailable: libcuda.so.1 not found (no NVIDIA driver)");
        }
    }

    @Test
    void aBadDevicePropertyIsAReasonNotAnException() {
        String old = System.getProperty("hone.cuda.device");
        System.setProperty("hone.cuda.device", "first");
        try {
            assertThat(new CudaBackendProvider().probe().toString()).contains("hone.cuda.device").contains("'first'");
        } finally {
            if (old == null) System.clearProperty("hone.cuda.device");
            else System.setProperty("hone.cuda.device", old);
        }
    }
}
