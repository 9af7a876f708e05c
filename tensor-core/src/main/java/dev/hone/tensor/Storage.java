package dev.hone.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A block of memory holding {@code numel} elements of one dtype on one device. For CPU storages the
 * segment is readable from Java; for accelerator storages it is an opaque device address. Views of a
 * tensor share their storage. A storage is released exactly once, by the {@link Scope} that owns it
 * (or by the object that mapped it); any access after release throws instead of reading freed memory.
 */
public final class Storage {

    /** What happens to the memory on release: returned to a pool, unmapped, or nothing. */
    @FunctionalInterface
    public interface Releaser {
        void release(Storage storage);

        Releaser NONE = s -> { };
    }

    private final MemorySegment segment;
    private final DType dtype;
    private final long numel;
    private final Device device;
    private final Releaser releaser;
    private boolean released;

    public Storage(MemorySegment segment, DType dtype, long numel, Device device, Releaser releaser) {
        if (device.kind() == Device.Kind.CPU && segment.byteSize() < numel * dtype.byteSize()) {
            throw new IllegalArgumentException("storage of " + numel + " x " + dtype + " needs " + numel * dtype.byteSize()
                    + " bytes, segment has " + segment.byteSize());
        }
        this.segment = segment;
        this.dtype = dtype;
        this.numel = numel;
        this.device = device;
        this.releaser = releaser;
    }

    public MemorySegment segment() {
        if (released) throw new IllegalStateException("storage of " + numel + " x " + dtype + " on " + device + " used after release");
        return segment;
    }

    public DType dtype() { return dtype; }

    public long numel() { return numel; }

    public long byteSize() { return numel * dtype.byteSize(); }

    public Device device() { return device; }

    public boolean isReleased() { return released; }

    /** Returns the memory; idempotent. */
    public void release() {
        if (released) return;
        released = true;
        releaser.release(this);
    }

    /** For pools in other packages: the segment regardless of the released flag. */
    public static MemorySegment segmentForRelease(Storage s) { return s.segment; }
}
