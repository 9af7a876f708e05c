package dev.hone.tensor;

/**
 * A snapshot of one memory pool: buffers handed out and not yet returned ("live"), buffers kept for
 * reuse ("cached"), and the largest live byte count seen since the pool was made or reset.
 */
public record MemoryStats(long liveBuffers, long liveBytes, long cachedBuffers, long cachedBytes, long peakLiveBytes) {
}
