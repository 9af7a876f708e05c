package dev.hone.cuda;

import dev.hone.cuda.bindings.NativeLibrary;
import dev.hone.cuda.bindings.cublas_api_h;
import dev.hone.cuda.bindings.cuda_h;
import dev.hone.cuda.driver.CudaError;
import dev.hone.cuda.driver.Driver;
import dev.hone.cuda.kernel.PtxArch;
import dev.hone.tensor.spi.BackendProvider.Availability;

/**
 * Decides whether the CUDA backend can run here, cheaply and without throwing: driver library present,
 * cuInit succeeds, at least one device of compute capability 8.0 or newer, cuBLAS loadable. Each failure
 * becomes a one-line reason such as "libcuda.so.1 not found (no NVIDIA driver)".
 */
final class CudaProbe {
    private CudaProbe() { }

    static Availability probe(int ordinal) {
        try {
            if (NativeLibrary.find(cuda_h.LIBRARIES).isEmpty()) return Availability.no("libcuda.so.1 not found (no NVIDIA driver)");
            int init = cuda_h.cuInit(0);
            if (init != CudaError.SUCCESS) return Availability.no("cuInit failed: " + CudaError.name(init));
            int count = Driver.deviceCount();
            if (count == 0) return Availability.no("no CUDA device (cuDeviceGetCount = 0)");
            if (ordinal >= count) return Availability.no("device " + ordinal + " requested, " + count + " present");
            int capability = Driver.computeCapability(Driver.device(ordinal));
            if (capability < 80) return Availability.no("device " + ordinal + " has compute capability " + capability / 10 + "." + capability % 10 + ", kernels need 8.0+");
            if (NativeLibrary.find(cublas_api_h.LIBRARIES).isEmpty()) {
                return Availability.no("no cuBLAS (libcublas.so.13/.12 not found; add its directory to LD_LIBRARY_PATH)");
            }
            PtxArch.forCapability(capability);
            return Availability.yes();
        } catch (RuntimeException | LinkageError e) {
            return Availability.no("probe failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
