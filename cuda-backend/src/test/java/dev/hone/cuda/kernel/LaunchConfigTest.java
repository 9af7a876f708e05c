package dev.hone.cuda.kernel;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Grid sizing and the launch-failure message, which must name the kernel, its module and its grid. */
class LaunchConfigTest {

    @Test
    void linearCoversAllElementsAndCapsTheGrid() {
        assertThat(LaunchConfig.linear(1000, 256).gridX()).isEqualTo(4);
        assertThat(LaunchConfig.linear(0, 256).gridX()).isEqualTo(1);
        assertThat(LaunchConfig.linear(1L << 40, 256).gridX()).isEqualTo(LaunchConfig.MAX_LINEAR_BLOCKS);
    }

    @Test
    void launchFailureNamesKernelModuleAndGrid() {
        LaunchConfig config = new LaunchConfig(4, 1, 1, 256, 1, 1, 1024);
        KernelLaunchException e = new KernelLaunchException("softmax_bf16", "/ptx/softmax.sm_90.ptx", config,
                "CUDA_ERROR_INVALID_VALUE (1): invalid argument", 1);
        assertThat(e.getMessage()).isEqualTo("launch of kernel softmax_bf16 (/ptx/softmax.sm_90.ptx) with grid (4, 1, 1) block (256, 1, 1) shared 1024 B"
                + " failed: CUDA_ERROR_INVALID_VALUE (1): invalid argument");
        assertThat(e.code()).isEqualTo(1);
    }

    @Test
    void rejectsEmptyDimensions() {
        assertThatThrownBy(() -> new LaunchConfig(0, 1, 1, 32, 1, 1, 0)).hasMessageContaining("grid (0, 1, 1)");
    }

    @Test
    void picksTheNewestPtxTargetNotAboveTheDevice() {
        assertThat(PtxArch.forCapability(80)).isEqualTo(PtxArch.SM_80);
        assertThat(PtxArch.forCapability(89)).isEqualTo(PtxArch.SM_80);
        assertThat(PtxArch.forCapability(90)).isEqualTo(PtxArch.SM_90);
        assertThat(PtxArch.forCapability(120)).isEqualTo(PtxArch.SM_90);
        assertThat(PtxArch.SM_90.resource("softmax")).isEqualTo("/ptx/softmax.sm_90.ptx");
        assertThatThrownBy(() -> PtxArch.forCapability(75)).hasMessageContaining("7.5");
    }
}
