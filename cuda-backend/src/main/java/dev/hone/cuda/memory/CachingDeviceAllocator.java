package dev.hone.cuda.memory;

import dev.hone.tensor.MemoryStats;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A caching allocator for device memory (the idea of PyTorch's CUDA caching allocator, much simplified).
 * Requests are rounded up to size classes (multiples of 512 bytes up to 1 MiB, then quarter powers of
 * two, so at most 25% slack); a released block goes to its class's cache and is handed out again to the
 * next request of that class. Because every kernel of a backend runs on its one stream, a block
 * released after work was queued on it can be reused by later work on the same stream at once: frees
 * are stream-ordered and never wait for the device.
 *
 * <p>On out-of-memory the whole cache is returned to the device and the request retried once; a second
 * failure throws {@link DeviceOutOfMemoryException} naming the requested and the free bytes. The cache
 * is trimmed to {@code cacheLimitBytes} after each release. Thread-safe (method-level lock).
 */
public final class CachingDeviceAllocator {
    public static final long MIN_BLOCK = 512;
    private static final long SMALL_LIMIT = 1 << 20;

    private final DeviceMemory memory;
    private final long cacheLimitBytes;
    private final TreeMap<Long, ArrayDeque<Long>> cache = new TreeMap<>();
    private final Map<Long, Long> live = new HashMap<>();          // address -> size class
    private long liveBytes;
    private long cachedBuffers;
    private long cachedBytes;
    private long peakLiveBytes;

    public CachingDeviceAllocator(DeviceMemory memory, long cacheLimitBytes) {
        if (cacheLimitBytes < 0) throw new IllegalArgumentException("device cache limit must be >= 0, got " + cacheLimitBytes);
        this.memory = memory;
        this.cacheLimitBytes = cacheLimitBytes;
    }

    /** The size class a request of {@code bytes} is served from. */
    public static long sizeClass(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative device allocation: " + bytes + " bytes");
        if (bytes <= SMALL_LIMIT) return Math.max(MIN_BLOCK, (bytes + MIN_BLOCK - 1) / MIN_BLOCK * MIN_BLOCK);
        long quarter = Long.highestOneBit(bytes - 1) / 4;
        return (bytes + quarter - 1) / quarter * quarter;
    }

    /** A device address with room for at least {@code bytes}. */
    public synchronized long allocate(long bytes) {
        long cls = sizeClass(bytes);
        ArrayDeque<Long> q = cache.get(cls);
        Long address = q == null ? null : q.pollLast();
        if (address != null) {
            if (q.isEmpty()) cache.remove(cls);
            cachedBuffers--;
            cachedBytes -= cls;
        } else {
            address = allocateFresh(bytes, cls);
        }
        live.put(address, cls);
        liveBytes += cls;
        peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
        return address;
    }

    private long allocateFresh(long bytes, long cls) {
        try {
            return memory.allocate(cls);
        } catch (DeviceMemory.OutOfDeviceMemory first) {
            trim(0);
            try {
                return memory.allocate(cls);
            } catch (DeviceMemory.OutOfDeviceMemory second) {
                long free = memory.freeBytes();
                throw new DeviceOutOfMemoryException("device allocation of " + bytes + " bytes (size class " + cls + ") failed after freeing the cache: "
                        + free + " bytes free, " + liveBytes + " bytes live in " + live.size() + " buffers", bytes, free);
            }
        }
    }

    /** Returns a block to the cache; releasing an address this allocator did not hand out throws. */
    public synchronized void release(long address) {
        Long cls = live.remove(address);
        if (cls == null) throw new IllegalStateException("release of device address 0x" + Long.toHexString(address) + " that this allocator does not own");
        liveBytes -= cls;
        cache.computeIfAbsent(cls, k -> new ArrayDeque<>()).addLast(address);
        cachedBuffers++;
        cachedBytes += cls;
        if (cachedBytes > cacheLimitBytes) trim(cacheLimitBytes / 2);
    }

    /** Frees cached blocks, largest classes first, until at most {@code targetBytes} stay cached. */
    public synchronized void trim(long targetBytes) {
        while (cachedBytes > targetBytes && !cache.isEmpty()) {
            var largest = cache.lastEntry();
            long address = largest.getValue().pollFirst();
            if (largest.getValue().isEmpty()) cache.remove(largest.getKey());
            cachedBytes -= largest.getKey();
            cachedBuffers--;
            memory.free(address);
        }
    }

    public synchronized MemoryStats stats() {
        return new MemoryStats(live.size(), liveBytes, cachedBuffers, cachedBytes, peakLiveBytes);
    }

    /** Frees the cache; blocks still live are reported in the exception so leaks are visible. */
    public synchronized void close() {
        trim(0);
        if (!live.isEmpty()) {
            throw new IllegalStateException("device allocator closed with " + live.size() + " live buffers (" + liveBytes + " bytes): tensors outlived their backend");
        }
    }
}
