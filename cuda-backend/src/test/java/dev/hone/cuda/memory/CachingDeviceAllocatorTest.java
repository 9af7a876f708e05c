package dev.hone.cuda.memory;

import dev.hone.tensor.MemoryStats;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The caching allocator's bookkeeping against a fake device with a fixed capacity. */
class CachingDeviceAllocatorTest {

    /** A device of {@code capacity} bytes handing out increasing addresses; records every call. */
    static final class FakeDevice implements DeviceMemory {
        final long capacity;
        final Map<Long, Long> blocks = new HashMap<>();
        final List<String> calls = new ArrayList<>();
        long used;
        long next = 0x1000;

        FakeDevice(long capacity) { this.capacity = capacity; }

        @Override
        public long allocate(long bytes) {
            calls.add("alloc " + bytes);
            if (used + bytes > capacity) throw new OutOfDeviceMemory("fake device full");
            long address = next;
            next += bytes;
            blocks.put(address, bytes);
            used += bytes;
            return address;
        }

        @Override
        public void free(long address) {
            calls.add("free " + address);
            used -= blocks.remove(address);
        }

        @Override
        public long freeBytes() { return capacity - used; }
    }

    @Test
    void sizeClassesBoundTheSlack() {
        assertThat(CachingDeviceAllocator.sizeClass(0)).isEqualTo(512);
        assertThat(CachingDeviceAllocator.sizeClass(513)).isEqualTo(1024);
        assertThat(CachingDeviceAllocator.sizeClass(1 << 20)).isEqualTo(1 << 20);
        for (long bytes = (1 << 20) + 1; bytes < (1L << 34); bytes = bytes * 3 / 2 + 17) {
            long cls = CachingDeviceAllocator.sizeClass(bytes);
            assertThat(cls).isGreaterThanOrEqualTo(bytes).isLessThanOrEqualTo(bytes + bytes / 4 + 1);
        }
    }

    @Test
    void releasedBlocksAreReusedWithoutTouchingTheDevice() {
        FakeDevice device = new FakeDevice(1 << 20);
        CachingDeviceAllocator allocator = new CachingDeviceAllocator(device, 1 << 20);
        long a = allocator.allocate(1000);
        allocator.release(a);
        long b = allocator.allocate(900);                   // same 1024-byte class
        assertThat(b).isEqualTo(a);
        assertThat(device.calls).containsExactly("alloc 1024");
        assertThat(allocator.stats()).isEqualTo(new MemoryStats(1, 1024, 0, 0, 1024));
        allocator.release(b);
        assertThat(allocator.stats()).isEqualTo(new MemoryStats(0, 0, 1, 1024, 1024));
    }

    @Test
    void outOfMemoryFreesTheCacheAndRetriesOnce() {
        FakeDevice device = new FakeDevice(4096);
        CachingDeviceAllocator allocator = new CachingDeviceAllocator(device, 1 << 20);
        long small = allocator.allocate(2048);
        allocator.release(small);                            // 2048 cached, device has 2048 free
        long big = allocator.allocate(3072);                 // fails, cache freed, retry succeeds
        assertThat(device.calls).containsExactly("alloc 2048", "alloc 3072", "free " + small, "alloc 3072");
        assertThat(allocator.stats().cachedBytes()).isZero();
        assertThat(allocator.stats().liveBytes()).isEqualTo(3072);
        allocator.release(big);
    }

    @Test
    void secondFailureNamesRequestedAndFreeBytes() {
        FakeDevice device = new FakeDevice(4096);
        CachingDeviceAllocator allocator = new CachingDeviceAllocator(device, 1 << 20);
        long held = allocator.allocate(3000);
        assertThatThrownBy(() -> allocator.allocate(2000))
                .isInstanceOfSatisfying(DeviceOutOfMemoryException.class, e -> {
                    assertThat(e.requestedBytes()).isEqualTo(2000);
                    assertThat(e.freeBytes()).isEqualTo(4096 - 3072);
                })
                .hasMessageContaining("2000 bytes").hasMessageContaining("1024 bytes free");
        allocator.release(held);
    }

    @Test
    void cacheIsTrimmedToHalfTheLimitWhenItOverflows() {
        FakeDevice device = new FakeDevice(1 << 20);
        CachingDeviceAllocator allocator = new CachingDeviceAllocator(device, 4096);
        long[] blocks = new long[5];
        for (int i = 0; i < 5; i++) blocks[i] = allocator.allocate(1024);
        for (long b : blocks) allocator.release(b);          // 5 KiB cached > 4 KiB limit -> trimmed to <= 2 KiB
        assertThat(allocator.stats().cachedBytes()).isLessThanOrEqualTo(2048);
        assertThat(device.used).isEqualTo(allocator.stats().cachedBytes());
    }

    @Test
    void foreignReleaseAndLeaksAreReported() {
        FakeDevice device = new FakeDevice(1 << 20);
        CachingDeviceAllocator allocator = new CachingDeviceAllocator(device, 1 << 20);
        assertThatThrownBy(() -> allocator.release(0xdead)).hasMessageContaining("0xdead");
        allocator.allocate(10);
        assertThatThrownBy(allocator::close).hasMessageContaining("1 live buffers");
    }
}
