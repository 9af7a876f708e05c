package dev.hone.lora;

import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.BackendProvider;
import dev.hone.tensor.spi.Backends;

/** The reference backend (float64 gradient checks) and the cpu backend when available (everything else). */
final class TestBackends {
    private TestBackends() { }

    static Backend reference() { return Backends.open("reference"); }

    static Backend fastest() {
        for (BackendProvider p : Backends.providers()) {
            if (p.name().equals("cpu") && p.probe().available()) return p.open();
        }
        return reference();
    }
}
