package dev.hone.cuda.memory;

/**
 * Raw device memory as the caching allocator sees it: allocate, free and ask how much is free.
 * {@link StreamOrderedMemory} implements it over cuMemAllocAsync/cuMemFreeAsync; tests use a fake.
 */
public interface DeviceMemory {

    /** A new block of exactly {@code bytes}; throws {@link OutOfDeviceMemory} when the device is full. */
    long allocate(long bytes);

    /** Returns a block obtained from {@link #allocate}; ordered after the work already queued on the stream. */
    void free(long address);

    /** Bytes the device reports as free right now. */
    long freeBytes();

    /** Signals that the device had no room for a request (the caching allocator then empties its cache and retries once). */
    final class OutOfDeviceMemory extends RuntimeException {
        public OutOfDeviceMemory(String message) { super(message); }
    }
}
