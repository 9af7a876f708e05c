package dev.hone.cuda.driver;

import java.util.Map;

/**
 * Names of the CUDA driver's {@code CUresult} codes that Hone can meet, copied from the
 * {@code cudaError_enum} of cuda.h (CUDA 13.0; CudaErrorTest checks each pair against the installed
 * header). Codes not listed are shown by number; when the driver is loaded, {@link Driver} asks
 * {@code cuGetErrorName} first.
 */
public final class CudaError {
    private CudaError() { }

    public static final int SUCCESS = 0;
    public static final int OUT_OF_MEMORY = 2;
    public static final int NO_DEVICE = 100;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(0, "CUDA_SUCCESS"),
            Map.entry(1, "CUDA_ERROR_INVALID_VALUE"),
            Map.entry(2, "CUDA_ERROR_OUT_OF_MEMORY"),
            Map.entry(3, "CUDA_ERROR_NOT_INITIALIZED"),
            Map.entry(4, "CUDA_ERROR_DEINITIALIZED"),
            Map.entry(34, "CUDA_ERROR_STUB_LIBRARY"),
            Map.entry(36, "CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER"),
            Map.entry(46, "CUDA_ERROR_DEVICE_UNAVAILABLE"),
            Map.entry(100, "CUDA_ERROR_NO_DEVICE"),
            Map.entry(101, "CUDA_ERROR_INVALID_DEVICE"),
            Map.entry(200, "CUDA_ERROR_INVALID_IMAGE"),
            Map.entry(201, "CUDA_ERROR_INVALID_CONTEXT"),
            Map.entry(209, "CUDA_ERROR_NO_BINARY_FOR_GPU"),
            Map.entry(218, "CUDA_ERROR_INVALID_PTX"),
            Map.entry(222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION"),
            Map.entry(400, "CUDA_ERROR_INVALID_HANDLE"),
            Map.entry(500, "CUDA_ERROR_NOT_FOUND"),
            Map.entry(600, "CUDA_ERROR_NOT_READY"),
            Map.entry(700, "CUDA_ERROR_ILLEGAL_ADDRESS"),
            Map.entry(701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"),
            Map.entry(702, "CUDA_ERROR_LAUNCH_TIMEOUT"),
            Map.entry(715, "CUDA_ERROR_ILLEGAL_INSTRUCTION"),
            Map.entry(716, "CUDA_ERROR_MISALIGNED_ADDRESS"),
            Map.entry(719, "CUDA_ERROR_LAUNCH_FAILED"),
            Map.entry(801, "CUDA_ERROR_NOT_SUPPORTED"),
            Map.entry(999, "CUDA_ERROR_UNKNOWN"));

    /** The symbolic name of {@code code}, or "CUDA error <code>" when it is not in the table. */
    public static String name(int code) {
        String n = NAMES.get(code);
        return n != null ? n : "CUDA error " + code;
    }

    /** The table itself (for tests that check it against cuda.h). */
    public static Map<Integer, String> knownNames() { return NAMES; }
}
