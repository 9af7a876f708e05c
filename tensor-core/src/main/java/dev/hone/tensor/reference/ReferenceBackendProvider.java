package dev.hone.tensor.reference;

import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.BackendProvider;

/** Finds the scalar reference backend through ServiceLoader: name "reference", lowest priority, always available. */
public final class ReferenceBackendProvider implements BackendProvider {

    @Override public String name() { return "reference"; }

    @Override public int priority() { return 0; }

    @Override public Availability probe() { return Availability.yes(); }

    @Override public Backend open() { return new ReferenceBackend(); }
}
