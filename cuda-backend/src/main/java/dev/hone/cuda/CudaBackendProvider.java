package dev.hone.cuda;

import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.BackendProvider;

/**
 * ServiceLoader entry for the CUDA backend ("cuda", priority 200: preferred over the CPU backends when
 * usable). The device is picked by the system property {@code hone.cuda.device} (default 0).
 * {@link #probe()} never throws; {@link #open()} creates the context, stream, allocator and cuBLAS handle.
 */
public final class CudaBackendProvider implements BackendProvider {

    @Override
    public String name() { return "cuda"; }

    @Override
    public int priority() { return 200; }

    @Override
    public Availability probe() {
        try {
            return CudaProbe.probe(ordinal());
        } catch (IllegalArgumentException badProperty) {
            return Availability.no(badProperty.getMessage());
        }
    }

    @Override
    public Backend open() { return CudaBackend.open(ordinal()); }

    private static int ordinal() {
        String value = System.getProperty("hone.cuda.device", "0");
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property hone.cuda.device must be a device index, got '" + value + "'");
        }
    }
}
