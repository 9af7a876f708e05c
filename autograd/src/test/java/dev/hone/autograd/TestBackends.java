package dev.hone.autograd;

import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.BackendProvider;
import dev.hone.tensor.spi.Backends;

import java.util.Optional;

/**
 * Backends the autograd tests run on: the scalar "reference" backend always (float64 gradient checks),
 * and the vectorised "cpu" backend when its provider is on the class path and available.
 */
final class TestBackends {
    private TestBackends() { }

    static Backend reference() { return Backends.open("reference"); }

    /** The cpu backend, or empty when it is absent or unavailable here. */
    static Optional<Backend> cpu() {
        for (BackendProvider p : Backends.providers()) {
            if (p.name().equals("cpu") && p.probe().available()) return Optional.of(p.open());
        }
        return Optional.empty();
    }

    /** The cpu backend when available, else the reference backend (for training tests). */
    static Backend fastest() { return cpu().orElseGet(TestBackends::reference); }
}
