package dev.hone.cuda.blas;

import dev.hone.cuda.bindings.cublas_api_h;
import dev.hone.cuda.driver.CublasStatus;
import dev.hone.cuda.driver.CudaException;
import dev.hone.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One cuBLAS handle bound to a stream and a workspace, running {@link GemmPlan}s with
 * cublasGemmStridedBatchedEx (F32, BF16 or F16 operands, CUBLAS_COMPUTE_32F, alpha/beta as host floats).
 */
public final class Cublas implements AutoCloseable {
    static final int CUBLAS_COMPUTE_32F = 68;
    static final int CUBLAS_GEMM_DEFAULT = -1;

    private final MemorySegment handle;

    public Cublas(MemorySegment stream, long workspace, long workspaceBytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check(cublas_api_h.cublasCreate_v2(out), "cublasCreate_v2");
            handle = out.get(ValueLayout.ADDRESS, 0);
        }
        check(cublas_api_h.cublasSetStream_v2(handle, stream), "cublasSetStream_v2");
        check(cublas_api_h.cublasSetWorkspace_v2(handle, MemorySegment.ofAddress(workspace), workspaceBytes), "cublasSetWorkspace_v2(" + workspaceBytes + " bytes)");
    }

    /** cudaDataType_t of a dtype: CUDA_R_32F = 0, CUDA_R_16F = 2, CUDA_R_16BF = 14 (library_types.h). */
    public static int cudaDataType(DType dtype) {
        return switch (dtype) {
            case F32 -> 0;
            case F16 -> 2;
            case BF16 -> 14;
            default -> throw new IllegalArgumentException("matmul on cuda: dtype " + dtype + " has no cuBLAS type (F32, BF16, F16 only)");
        };
    }

    /** Runs {@code plan}: cuBLAS A is our B (at {@code b}), cuBLAS B is our A (at {@code a}); see {@link GemmPlan}. */
    public void gemm(GemmPlan plan, DType inputType, DType outputType, long a, long b, long c, float alpha, float beta) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment alphaSeg = arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha);
            MemorySegment betaSeg = arena.allocateFrom(ValueLayout.JAVA_FLOAT, beta);
            int in = cudaDataType(inputType);
            int status = cublas_api_h.cublasGemmStridedBatchedEx(handle, plan.transa().cublasValue(), plan.transb().cublasValue(),
                    plan.m(), plan.n(), plan.k(), alphaSeg,
                    MemorySegment.ofAddress(b), in, plan.lda(), plan.strideA(),
                    MemorySegment.ofAddress(a), in, plan.ldb(), plan.strideB(),
                    betaSeg, MemorySegment.ofAddress(c), cudaDataType(outputType), plan.ldc(), plan.strideC(), plan.batchCount(),
                    CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
            check(status, "cublasGemmStridedBatchedEx(" + plan + ", " + inputType + " -> " + outputType + ")");
        }
    }

    static void check(int status, String call) {
        if (status == CublasStatus.SUCCESS) return;
        String name = CublasStatus.name(status);
        try {
            MemorySegment text = cublas_api_h.cublasGetStatusName(status);
            if (!text.equals(MemorySegment.NULL)) name = text.reinterpret(256).getString(0);
        } catch (RuntimeException | LinkageError libraryUnusable) {
            // keep the table's name
        }
        throw new CudaException(call + " failed: " + name + " (" + status + ")", status);
    }

    @Override
    public void close() { check(cublas_api_h.cublasDestroy_v2(handle), "cublasDestroy_v2"); }
}
