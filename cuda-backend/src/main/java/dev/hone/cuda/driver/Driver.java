package dev.hone.cuda.driver;

import dev.hone.cuda.bindings.cuda_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Checked wrappers over the generated driver bindings: each returns its out-parameter and turns a
 * non-zero CUresult into a {@link CudaException} naming the call and its arguments. Stateless; handles
 * (contexts, streams, modules, functions) are plain {@link MemorySegment} addresses owned by callers.
 */
public final class Driver {
    private Driver() { }

    /** Throws unless {@code result} is CUDA_SUCCESS; {@code call} describes the call for the message. */
    public static void check(int result, String call) {
        if (result != CudaError.SUCCESS) throw new CudaException(call + " failed: " + describe(result), result);
    }

    /** "NAME (code): description", asking the driver for the text when it can. */
    public static String describe(int result) {
        String name = CudaError.name(result);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(ValueLayout.ADDRESS);
            String detail = "";
            if (cuda_h.cuGetErrorName(result, text) == 0) name = cString(text.get(ValueLayout.ADDRESS, 0));
            if (cuda_h.cuGetErrorString(result, text) == 0) detail = ": " + cString(text.get(ValueLayout.ADDRESS, 0));
            return name + " (" + result + ")" + detail;
        } catch (RuntimeException | LinkageError driverUnusable) {
            return name + " (" + result + ")";
        }
    }

    private static String cString(MemorySegment address) {
        return address.equals(MemorySegment.NULL) ? "?" : address.reinterpret(4096).getString(0);
    }

    public static void init() { check(cuda_h.cuInit(0), "cuInit(0)"); }

    public static int deviceCount() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            check(cuda_h.cuDeviceGetCount(count), "cuDeviceGetCount");
            return count.get(ValueLayout.JAVA_INT, 0);
        }
    }

    public static int device(int ordinal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dev = arena.allocate(ValueLayout.JAVA_INT);
            check(cuda_h.cuDeviceGet(dev, ordinal), "cuDeviceGet(" + ordinal + ")");
            return dev.get(ValueLayout.JAVA_INT, 0);
        }
    }

    public static String deviceName(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(256);
            check(cuda_h.cuDeviceGetName(name, 256, device), "cuDeviceGetName(" + device + ")");
            return name.getString(0);
        }
    }

    public static long totalMemory(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(ValueLayout.JAVA_LONG);
            check(cuda_h.cuDeviceTotalMem_v2(bytes, device), "cuDeviceTotalMem_v2(" + device + ")");
            return bytes.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    /** CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR (75) and _MINOR (76) in cuda.h. */
    public static int computeCapability(int device) {
        return 10 * attribute(device, 75) + attribute(device, 76);
    }

    public static int attribute(int device, int attribute) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            check(cuda_h.cuDeviceGetAttribute(value, attribute, device), "cuDeviceGetAttribute(" + attribute + ", device " + device + ")");
            return value.get(ValueLayout.JAVA_INT, 0);
        }
    }

    public static MemorySegment retainPrimaryContext(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ctx = arena.allocate(ValueLayout.ADDRESS);
            check(cuda_h.cuDevicePrimaryCtxRetain(ctx, device), "cuDevicePrimaryCtxRetain(" + device + ")");
            return ctx.get(ValueLayout.ADDRESS, 0);
        }
    }

    public static void releasePrimaryContext(int device) {
        check(cuda_h.cuDevicePrimaryCtxRelease_v2(device), "cuDevicePrimaryCtxRelease_v2(" + device + ")");
    }

    public static void setCurrent(MemorySegment context) { check(cuda_h.cuCtxSetCurrent(context), "cuCtxSetCurrent"); }

    /** {free, total} bytes of the current context's device. */
    public static long[] memoryInfo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment total = arena.allocate(ValueLayout.JAVA_LONG);
            check(cuda_h.cuMemGetInfo_v2(free, total), "cuMemGetInfo_v2");
            return new long[] {free.get(ValueLayout.JAVA_LONG, 0), total.get(ValueLayout.JAVA_LONG, 0)};
        }
    }

    public static MemorySegment createStream() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stream = arena.allocate(ValueLayout.ADDRESS);
            check(cuda_h.cuStreamCreate(stream, 1 /* CU_STREAM_NON_BLOCKING */), "cuStreamCreate");
            return stream.get(ValueLayout.ADDRESS, 0);
        }
    }

    public static void synchronize(MemorySegment stream) { check(cuda_h.cuStreamSynchronize(stream), "cuStreamSynchronize"); }

    public static void destroyStream(MemorySegment stream) { check(cuda_h.cuStreamDestroy_v2(stream), "cuStreamDestroy_v2"); }

    public static MemorySegment loadModule(MemorySegment image, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment module = arena.allocate(ValueLayout.ADDRESS);
            check(cuda_h.cuModuleLoadData(module, image), "cuModuleLoadData(" + what + ")");
            return module.get(ValueLayout.ADDRESS, 0);
        }
    }

    public static void unloadModule(MemorySegment module) { check(cuda_h.cuModuleUnload(module), "cuModuleUnload"); }

    public static MemorySegment function(MemorySegment module, String name, String moduleName) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fn = arena.allocate(ValueLayout.ADDRESS);
            check(cuda_h.cuModuleGetFunction(fn, module, arena.allocateFrom(name)), "cuModuleGetFunction(" + name + " in " + moduleName + ")");
            return fn.get(ValueLayout.ADDRESS, 0);
        }
    }
}
