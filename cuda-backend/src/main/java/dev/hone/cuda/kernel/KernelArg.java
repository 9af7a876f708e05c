package dev.hone.cuda.kernel;

import java.lang.foreign.MemorySegment;

/**
 * One argument of a kernel launch, by value, in the C type the kernel declares: a device pointer,
 * a 32- or 64-bit integer, a float or double, or a struct passed by value (its bytes, e.g. an
 * {@link Indexer}). {@link KernelArgs} lays them out for cuLaunchKernel.
 */
public sealed interface KernelArg {
    /** Size of the C value in bytes. */
    long byteSize();

    /** Alignment of the C value in bytes. */
    long alignment();

    /** Writes the value at {@code slot}. */
    void writeTo(MemorySegment slot);

    record Pointer(long address) implements KernelArg {
        public long byteSize() { return 8; }
        public long alignment() { return 8; }
        public void writeTo(MemorySegment slot) { slot.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, address); }
    }

    record I32(int value) implements KernelArg {
        public long byteSize() { return 4; }
        public long alignment() { return 4; }
        public void writeTo(MemorySegment slot) { slot.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, value); }
    }

    record I64(long value) implements KernelArg {
        public long byteSize() { return 8; }
        public long alignment() { return 8; }
        public void writeTo(MemorySegment slot) { slot.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, value); }
    }

    record F32(float value) implements KernelArg {
        public long byteSize() { return 4; }
        public long alignment() { return 4; }
        public void writeTo(MemorySegment slot) { slot.set(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, value); }
    }

    record F64(double value) implements KernelArg {
        public long byteSize() { return 8; }
        public long alignment() { return 8; }
        public void writeTo(MemorySegment slot) { slot.set(java.lang.foreign.ValueLayout.JAVA_DOUBLE, 0, value); }
    }

    /** A struct by value: its bytes exactly as the C compiler lays the struct out. */
    record Struct(byte[] bytes, long alignment) implements KernelArg {
        public Struct { bytes = bytes.clone(); }
        public long byteSize() { return bytes.length; }
        public void writeTo(MemorySegment slot) { MemorySegment.copy(MemorySegment.ofArray(bytes), 0, slot, 0, bytes.length); }
    }

    static KernelArg ptr(long address) { return new Pointer(address); }

    static KernelArg i32(int v) { return new I32(v); }

    static KernelArg i64(long v) { return new I64(v); }

    static KernelArg f32(float v) { return new F32(v); }

    static KernelArg f64(double v) { return new F64(v); }
}
