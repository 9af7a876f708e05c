package dev.hone.cuda.driver;

import java.util.Map;

/**
 * Names of cuBLAS's {@code cublasStatus_t} codes, from NVIDIA's cuBLAS documentation (section
 * "cublasStatus_t"); the library's own cublasGetStatusName is preferred when cuBLAS is loaded.
 */
public final class CublasStatus {
    private CublasStatus() { }

    public static final int SUCCESS = 0;

    private static final Map<Integer, String> NAMES = Map.of(
            0, "CUBLAS_STATUS_SUCCESS",
            1, "CUBLAS_STATUS_NOT_INITIALIZED",
            3, "CUBLAS_STATUS_ALLOC_FAILED",
            7, "CUBLAS_STATUS_INVALID_VALUE",
            8, "CUBLAS_STATUS_ARCH_MISMATCH",
            11, "CUBLAS_STATUS_MAPPING_ERROR",
            13, "CUBLAS_STATUS_EXECUTION_FAILED",
            14, "CUBLAS_STATUS_INTERNAL_ERROR",
            15, "CUBLAS_STATUS_NOT_SUPPORTED",
            16, "CUBLAS_STATUS_LICENSE_ERROR");

    public static String name(int code) {
        String n = NAMES.get(code);
        return n != null ? n : "cuBLAS status " + code;
    }
}
