package dev.hone.cpu;

import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.BackendProvider;

/**
 * Registers the Vector API CPU backend ("cpu", priority 100) with {@link java.util.ServiceLoader}.
 * {@link #probe()} only asks whether the boot layer holds the jdk.incubator.vector module (it never
 * touches a vector class, so it is safe and cheap without the module); threads and memory are set up
 * in {@link #open()}.
 */
public final class CpuBackendProvider implements BackendProvider {
    static final String VECTOR_MODULE = "jdk.incubator.vector";

    @Override public String name() { return "cpu"; }

    @Override public int priority() { return 100; }

    @Override
    public Availability probe() {
        try {
            return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent()
                    ? Availability.yes()
                    : Availability.no("the " + VECTOR_MODULE + " module is missing: start the JVM with --add-modules " + VECTOR_MODULE);
        } catch (RuntimeException | LinkageError e) {
            return Availability.no("probing for " + VECTOR_MODULE + " failed: " + e);
        }
    }

    @Override public Backend open() { return new CpuBackend(); }
}
