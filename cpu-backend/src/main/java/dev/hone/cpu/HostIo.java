package dev.hone.cpu;

import dev.hone.cpu.kernels.Casts;
import dev.hone.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * Moves runs of F32, BF16 or F16 elements between host memory and F32 working arrays, whatever their
 * stride (1: vector path; 0: broadcast fill; other: scalar gather/scatter). Element offsets and
 * strides, not bytes. Other dtypes never reach here: {@link CpuBackend} routes them to the reference.
 */
final class HostIo {
    private HostIo() { }

    static boolean isSupported(DType t) { return t == DType.F32 || t == DType.BF16 || t == DType.F16; }

    static void load(MemorySegment seg, DType t, long start, long stride, float[] dst, int pos, int n) {
        switch (t) {
            case F32 -> Casts.loadF32(seg, start, stride, dst, pos, n);
            case BF16 -> Casts.loadBf16(seg, start, stride, dst, pos, n);
            case F16 -> Casts.loadF16(seg, start, stride, dst, pos, n);
            default -> throw unsupported("load", t);
        }
    }

    static void store(float[] src, int pos, int n, MemorySegment seg, DType t, long start, long stride) {
        switch (t) {
            case F32 -> Casts.storeF32(src, pos, n, seg, start, stride);
            case BF16 -> Casts.storeBf16(src, pos, n, seg, start, stride);
            case F16 -> Casts.storeF16(src, pos, n, seg, start, stride);
            default -> throw unsupported("store", t);
        }
    }

    private static IllegalArgumentException unsupported(String what, DType t) {
        return new IllegalArgumentException("cpu backend: " + what + " of " + t + " elements into F32 working arrays is not supported");
    }
}
