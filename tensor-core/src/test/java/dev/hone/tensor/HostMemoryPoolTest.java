package dev.hone.tensor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The caching host allocator: alignment, size classes, reuse, live accounting, trim. */
class HostMemoryPoolTest {

    @Test
    void sizeClassesAreQuarterPowersOfTwoAboveTwoHundredFiftySix() {
        assertEquals(64, HostMemoryPool.sizeClass(1));
        assertEquals(64, HostMemoryPool.sizeClass(64));
        assertEquals(128, HostMemoryPool.sizeClass(65));
        assertEquals(256, HostMemoryPool.sizeClass(256));
        assertEquals(320, HostMemoryPool.sizeClass(257));                   // 256 + 64
        assertEquals(1280, HostMemoryPool.sizeClass(1025));                 // 1024 + 256
        for (long bytes : new long[] {300, 1000, 4097, 100_000, 3_000_001}) {
            long cls = HostMemoryPool.sizeClass(bytes);
            assertTrue(cls >= bytes && cls <= bytes * 1.25 + 64, bytes + " -> " + cls);
        }
    }

    @Test
    void buffersAreAlignedAndReused() {
        HostMemoryPool pool = new HostMemoryPool(1 << 20);
        List<Storage> storages = new ArrayList<>();
        for (int n : new int[] {1, 3, 17, 100, 1000}) {
            Storage s = pool.allocate(DType.F32, n);
            assertEquals(0, s.segment().address() % HostMemoryPool.ALIGNMENT, "alignment of " + n + " floats");
            assertEquals(n * 4L, s.segment().byteSize());
            storages.add(s);
        }
        long address = storages.get(4).segment().address();
        storages.get(4).release();
        Storage again = pool.allocate(DType.F32, 990);                     // same size class as 1000 floats
        assertEquals(address, again.segment().address());
        again.release();
        for (Storage s : storages) s.release();
        pool.close();
    }

    @Test
    void liveAccountingReturnsToBaselineAndTrimFreesCache() {
        HostMemoryPool pool = new HostMemoryPool(1 << 20);
        MemoryStats baseline = pool.stats();
        for (int step = 0; step < 5; step++) {
            List<Storage> batch = new ArrayList<>();
            for (int i = 1; i <= 10; i++) batch.add(pool.allocate(DType.BF16, i * 37L));
            assertEquals(baseline.liveBuffers() + 10, pool.stats().liveBuffers());
            for (Storage s : batch) s.release();
            assertEquals(baseline.liveBuffers(), pool.stats().liveBuffers());
            assertEquals(baseline.liveBytes(), pool.stats().liveBytes());
        }
        assertEquals(10, pool.stats().cachedBuffers());                    // reused across steps, not grown
        assertTrue(pool.stats().peakLiveBytes() > 0);
        pool.trim(0);
        assertEquals(0, pool.stats().cachedBuffers());
        assertEquals(0, pool.stats().cachedBytes());
    }

    @Test
    void cacheLimitIsEnforcedAndDoubleReleaseIsHarmless() {
        HostMemoryPool pool = new HostMemoryPool(4096);
        List<Storage> batch = new ArrayList<>();
        for (int i = 0; i < 8; i++) batch.add(pool.allocate(DType.F32, 512));  // 2048 bytes each
        for (Storage s : batch) s.release();
        assertTrue(pool.stats().cachedBytes() <= 4096, pool.stats().toString());
        Storage s = pool.allocate(DType.U8, 10);
        s.release();
        s.release();
        assertTrue(s.isReleased());
        assertThrows(IllegalStateException.class, s::segment);
        assertSame(DType.U8, s.dtype());
        pool.close();
    }
}
