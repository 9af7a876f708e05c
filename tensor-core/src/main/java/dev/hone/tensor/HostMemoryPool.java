package dev.hone.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A caching allocator for host memory. Buffers are 64-byte aligned and come from their own shared
 * arena, so each can be freed on its own; sizes are rounded up to size classes (quarter powers of two,
 * at most 25% slack) and released buffers are kept per class for reuse until {@code cacheLimitBytes}
 * is exceeded, when the oldest cached buffers are freed. Not thread-safe for allocation from many
 * threads at once beyond the method-level lock; tensor work is single-threaded per scope.
 *
 * <p>Live-buffer accounting ({@link #stats()}) is what tests read to prove no buffer leaks.
 */
public final class HostMemoryPool {
    public static final long ALIGNMENT = 64;

    private record Block(Arena arena, MemorySegment segment) { }

    private final long cacheLimitBytes;
    private final Map<Long, ArrayDeque<Block>> cache = new HashMap<>();
    private final Map<Long, Block> live = new HashMap<>();
    private long liveBytes;
    private long cachedBuffers;
    private long cachedBytes;
    private long peakLiveBytes;

    public HostMemoryPool(long cacheLimitBytes) {
        if (cacheLimitBytes < 0) throw new IllegalArgumentException("cache limit must be >= 0");
        this.cacheLimitBytes = cacheLimitBytes;
    }

    /** Size class for a request: quarter powers of two above 256 bytes, multiples of 64 below. */
    static long sizeClass(long bytes) {
        if (bytes <= 256) return Math.max(ALIGNMENT, (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT);
        long p = Long.highestOneBit(bytes - 1);
        long quarter = p / 4;
        return (bytes + quarter - 1) / quarter * quarter;
    }

    /** Uninitialised storage of {@code numel} elements of {@code dtype}, owned by nobody yet. */
    public synchronized Storage allocate(DType dtype, long numel) {
        long bytes = Math.multiplyExact(numel, (long) dtype.byteSize());
        long cls = sizeClass(bytes);
        ArrayDeque<Block> q = cache.get(cls);
        Block b = q == null ? null : q.pollLast();
        if (b != null) {
            cachedBuffers--;
            cachedBytes -= cls;
        } else {
            Arena arena = Arena.ofShared();
            MemorySegment seg;
            try {
                seg = arena.allocate(cls, ALIGNMENT);
            } catch (OutOfMemoryError e) {
                arena.close();
                trim(0);
                throw new OutOfMemoryError("host allocation of " + cls + " bytes failed (live " + liveBytes + " bytes in "
                        + live.size() + " buffers; cache freed)");
            }
            b = new Block(arena, seg);
        }
        live.put(b.segment.address(), b);
        liveBytes += cls;
        peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
        return new Storage(b.segment.asSlice(0, bytes), dtype, numel, Device.CPU, this::release);
    }

    private synchronized void release(Storage s) {
        MemorySegment slice = Storage.segmentForRelease(s);
        Block b = live.remove(slice.address());
        if (b == null) throw new IllegalStateException("release of a buffer this pool does not own");
        long cls = b.segment.byteSize();
        liveBytes -= cls;
        cache.computeIfAbsent(cls, k -> new ArrayDeque<>()).addLast(b);
        cachedBuffers++;
        cachedBytes += cls;
        if (cachedBytes > cacheLimitBytes) trim(cacheLimitBytes / 2);
    }

    /** Frees cached buffers until at most {@code targetBytes} stay cached. */
    public synchronized void trim(long targetBytes) {
        var it = cache.values().iterator();
        while (cachedBytes > targetBytes && it.hasNext()) {
            ArrayDeque<Block> q = it.next();
            while (cachedBytes > targetBytes && !q.isEmpty()) {
                Block b = q.pollFirst();
                cachedBytes -= b.segment.byteSize();
                cachedBuffers--;
                b.arena.close();
            }
            if (q.isEmpty()) it.remove();
        }
    }

    public synchronized MemoryStats stats() {
        return new MemoryStats(live.size(), liveBytes, cachedBuffers, cachedBytes, peakLiveBytes);
    }

    public synchronized void resetPeak() { peakLiveBytes = liveBytes; }

    /** Frees the cached buffers; live buffers stay valid until released. */
    public synchronized void close() { trim(0); }
}
