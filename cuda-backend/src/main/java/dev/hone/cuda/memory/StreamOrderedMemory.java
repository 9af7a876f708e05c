package dev.hone.cuda.memory;

import dev.hone.cuda.bindings.cuda_h;
import dev.hone.cuda.driver.CudaError;
import dev.hone.cuda.driver.Driver;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link DeviceMemory} over the driver's stream-ordered allocator (cuMemAllocAsync / cuMemFreeAsync on
 * one stream): a free is queued behind the kernels already launched on that stream, so it never
 * waits and never frees memory a queued kernel still reads. The current context must be the stream's.
 */
public final class StreamOrderedMemory implements DeviceMemory {
    private final MemorySegment stream;

    public StreamOrderedMemory(MemorySegment stream) { this.stream = stream; }

    @Override
    public long allocate(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
            int result = cuda_h.cuMemAllocAsync(out, bytes, stream);
            if (result == CudaError.OUT_OF_MEMORY) throw new OutOfDeviceMemory("cuMemAllocAsync(" + bytes + " bytes): " + Driver.describe(result));
            Driver.check(result, "cuMemAllocAsync(" + bytes + " bytes)");
            return out.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    @Override
    public void free(long address) {
        Driver.check(cuda_h.cuMemFreeAsync(address, stream), "cuMemFreeAsync(0x" + Long.toHexString(address) + ")");
    }

    @Override
    public long freeBytes() { return Driver.memoryInfo()[0]; }
}
