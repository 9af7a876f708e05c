package dev.hone.cuda.driver;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** CUresult names against the installed cuda.h, and the message a failed call produces. */
class CudaErrorTest {
    private static final Path CUDA_H = Path.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda"), "include", "cuda.h");

    @Test
    void everyNameInTheTableHasItsCodeInCudaH() throws IOException {
        assumeTrue(Files.exists(CUDA_H), "cuda.h not found at " + CUDA_H + " (set CUDA_HOME): table not checked");
        String header = Files.readString(CUDA_H);
        for (Map.Entry<Integer, String> e : CudaError.knownNames().entrySet()) {
            Pattern definition = Pattern.compile("\\b" + e.getValue() + "\\s*=\\s*" + e.getKey() + "\\b");
            assertThat(definition.matcher(header).find()).as("%s = %d in cuda.h", e.getValue(), e.getKey()).isTrue();
        }
    }

    @Test
    void unknownCodesAreShownByNumber() {
        assertThat(CudaError.name(100)).isEqualTo("CUDA_ERROR_NO_DEVICE");
        assertThat(CudaError.name(12345)).isEqualTo("CUDA error 12345");
        assertThat(CublasStatus.name(13)).isEqualTo("CUBLAS_STATUS_EXECUTION_FAILED");
    }

    @Test
    void failedCallMessageNamesTheCallAndTheError() {
        assertThatThrownBy(() -> Driver.check(2, "cuMemAlloc_v2(4096 bytes)"))
                .isInstanceOfSatisfying(CudaException.class, e -> assertThat(e.code()).isEqualTo(2))
                .hasMessageStartingWith("cuMemAlloc_v2(4096 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY (2)");
    }

    @Test
    void successPassesSilently() {
        Driver.check(0, "cuInit(0)");
        assertThat(CudaError.name(CudaError.SUCCESS)).isEqualTo("CUDA_SUCCESS");
    }
}
