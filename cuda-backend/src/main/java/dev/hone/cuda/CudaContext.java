package dev.hone.cuda;

import dev.hone.cuda.bindings.cuda_h;
import dev.hone.cuda.blas.Cublas;
import dev.hone.cuda.driver.Driver;
import dev.hone.cuda.kernel.Kernels;
import dev.hone.cuda.kernel.PtxArch;
import dev.hone.cuda.memory.CachingDeviceAllocator;
import dev.hone.cuda.memory.StreamOrderedMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The device resources of one backend: the device's primary context, one non-blocking stream that all
 * work is queued on (so stream order is program order), the caching allocator, lazily loaded kernels,
 * a cuBLAS handle with its workspace, and a pinned host staging buffer for copies. Host-device copies
 * go through the staging buffer in chunks and are synchronous from the caller's point of view.
 */
final class CudaContext implements AutoCloseable {
    static final long STAGING_BYTES = 8L << 20;
    static final long CUBLAS_WORKSPACE_BYTES = 32L << 20;
    static final long CACHE_LIMIT_BYTES = 8L << 30;

    final int ordinal;
    final String deviceName;
    final int capability;
    private final int device;
    private final MemorySegment context;
    final MemorySegment stream;
    final CachingDeviceAllocator allocator;
    final Kernels kernels;
    final Cublas cublas;
    private final long cublasWorkspace;
    private final MemorySegment staging;
    private boolean closed;

    CudaContext(int ordinal) {
        Driver.init();
        this.ordinal = ordinal;
        this.device = Driver.device(ordinal);
        this.deviceName = Driver.deviceName(device);
        this.capability = Driver.computeCapability(device);
        this.context = Driver.retainPrimaryContext(device);
        Driver.setCurrent(context);
        this.stream = Driver.createStream();
        this.allocator = new CachingDeviceAllocator(new StreamOrderedMemory(stream), CACHE_LIMIT_BYTES);
        this.kernels = new Kernels(PtxArch.forCapability(capability), stream);
        this.cublasWorkspace = allocator.allocate(CUBLAS_WORKSPACE_BYTES);
        this.cublas = new Cublas(stream, cublasWorkspace, CUBLAS_WORKSPACE_BYTES);
        this.staging = allocatePinned(STAGING_BYTES);
    }

    private static MemorySegment allocatePinned(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            Driver.check(cuda_h.cuMemHostAlloc(out, bytes, 0), "cuMemHostAlloc(" + bytes + " bytes)");
            return out.get(ValueLayout.ADDRESS, 0).reinterpret(bytes);
        }
    }

    /** Makes this context current on the calling thread (every public entry point calls it). */
    void makeCurrent() { Driver.setCurrent(context); }

    void synchronize() { Driver.synchronize(stream); }

    /** Copies {@code bytes} from host memory to the device address {@code dst} through the pinned buffer. */
    synchronized void copyToDevice(MemorySegment src, long srcOffset, long dst, long bytes) {
        for (long done = 0; done < bytes; done += STAGING_BYTES) {
            long chunk = Math.min(STAGING_BYTES, bytes - done);
            synchronize();                                           // the staging buffer is free again
            MemorySegment.copy(src, srcOffset + done, staging, 0, chunk);
            Driver.check(cuda_h.cuMemcpyHtoDAsync_v2(dst + done, staging, chunk, stream), "cuMemcpyHtoDAsync_v2(" + chunk + " bytes)");
        }
        synchronize();
    }

    /** Copies {@code bytes} from the device address {@code src} into host memory through the pinned buffer. */
    synchronized void copyToHost(long src, MemorySegment dst, long dstOffset, long bytes) {
        for (long done = 0; done < bytes; done += STAGING_BYTES) {
            long chunk = Math.min(STAGING_BYTES, bytes - done);
            Driver.check(cuda_h.cuMemcpyDtoHAsync_v2(staging, src + done, chunk, stream), "cuMemcpyDtoHAsync_v2(" + chunk + " bytes)");
            synchronize();
            MemorySegment.copy(staging, 0, dst, dstOffset + done, chunk);
        }
    }

    void copyDeviceToDevice(long src, long dst, long bytes) {
        Driver.check(cuda_h.cuMemcpyDtoDAsync_v2(dst, src, bytes, stream), "cuMemcpyDtoDAsync_v2(" + bytes + " bytes)");
    }

    void zero(long address, long bytes) {
        Driver.check(cuda_h.cuMemsetD8Async(address, (byte) 0, bytes, stream), "cuMemsetD8Async(" + bytes + " bytes)");
    }

    long[] memoryInfo() { return Driver.memoryInfo(); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        makeCurrent();
        synchronize();
        cublas.close();
        allocator.release(cublasWorkspace);
        kernels.close();
        Driver.check(cuda_h.cuMemFreeHost(staging), "cuMemFreeHost");
        allocator.trim(0);
        synchronize();
        Driver.destroyStream(stream);
        Driver.releasePrimaryContext(device);
        allocator.close();
    }
}
