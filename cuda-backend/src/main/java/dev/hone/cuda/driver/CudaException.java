package dev.hone.cuda.driver;

/**
 * A failed CUDA driver or cuBLAS call. The message names the call, its salient arguments and the
 * error ("cuMemAlloc_v2(4096 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY (2): out of memory"); {@link #code()}
 * keeps the raw status for callers that react to one error (out-of-memory retry).
 */
public class CudaException extends RuntimeException {
    private final int code;

    public CudaException(String message, int code) {
        super(message);
        this.code = code;
    }

    public int code() { return code; }
}
