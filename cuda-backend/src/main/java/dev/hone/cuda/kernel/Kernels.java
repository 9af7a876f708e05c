package dev.hone.cuda.kernel;

import dev.hone.cuda.bindings.cuda_h;
import dev.hone.cuda.driver.Driver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads the committed PTX modules of one device lazily (a family's module on its first kernel, with
 * cuModuleLoadData, which JIT-compiles the PTX for the device) and launches kernels on one stream.
 * Owned by one backend; the context must be current on the calling thread. {@link #close} unloads.
 */
public final class Kernels implements AutoCloseable {
    private final PtxArch arch;
    private final MemorySegment stream;
    private final Map<String, MemorySegment> modules = new HashMap<>();
    private final Map<String, MemorySegment> functions = new HashMap<>();
    private final Map<String, Integer> sharedOptIn = new HashMap<>();              // kernel -> dynamic shared bytes allowed

    public Kernels(PtxArch arch, MemorySegment stream) {
        this.arch = arch;
        this.stream = stream;
    }

    /** Launches {@code family}'s kernel {@code name} with {@code args}; throws naming the kernel and grid on failure. */
    public synchronized void launch(String family, String name, LaunchConfig config, List<KernelArg> args) {
        MemorySegment fn = function(family, name);
        allowSharedMemory(fn, family, name, config);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = KernelArgs.marshal(arena, args);
            int result = cuda_h.cuLaunchKernel(fn, config.gridX(), config.gridY(), config.gridZ(), config.blockX(), config.blockY(), config.blockZ(),
                    config.sharedBytes(), stream, params, MemorySegment.NULL);
            if (result != 0) throw new KernelLaunchException(name, arch.resource(family), config, Driver.describe(result), result);
        }
    }

    /**
     * Dynamic shared memory above 48 KiB needs the kernel's opt-in (CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES),
     * set once per kernel to the largest size asked for so far; the device's own limit (227 KiB on Hopper) still applies.
     */
    private void allowSharedMemory(MemorySegment fn, String family, String name, LaunchConfig config) {
        int bytes = config.sharedBytes();
        if (bytes <= DEFAULT_SHARED_BYTES || bytes <= sharedOptIn.getOrDefault(name, 0)) return;
        int result = cuda_h.cuFuncSetAttribute(fn, MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
        if (result != 0) throw new KernelLaunchException(name, arch.resource(family) + ", opting in to " + bytes + " bytes of dynamic shared memory", config,
                Driver.describe(result), result);
        sharedOptIn.put(name, bytes);
    }

    private static final int DEFAULT_SHARED_BYTES = 48 * 1024;
    private static final int MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;                          // CUfunction_attribute in cuda.h

    private MemorySegment function(String family, String name) {
        MemorySegment fn = functions.get(name);
        if (fn != null) return fn;
        MemorySegment module = modules.computeIfAbsent(family, this::load);
        fn = Driver.function(module, name, arch.resource(family));
        functions.put(name, fn);
        return fn;
    }

    private MemorySegment load(String family) {
        String resource = arch.resource(family);
        byte[] ptx;
        try (InputStream in = Kernels.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("PTX resource " + resource + " missing from the cuda-backend jar");
            ptx = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading PTX resource " + resource, e);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment image = arena.allocate(ptx.length + 1L);          // NUL-terminated, as cuModuleLoadData needs for PTX
            MemorySegment.copy(MemorySegment.ofArray(ptx), 0, image, 0, ptx.length);
            return Driver.loadModule(image, resource);
        }
    }

    @Override
    public synchronized void close() {
        for (MemorySegment m : modules.values()) Driver.unloadModule(m);
        modules.clear();
        functions.clear();
        sharedOptIn.clear();
    }
}
