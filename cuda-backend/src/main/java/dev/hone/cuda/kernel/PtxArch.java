package dev.hone.cuda.kernel;

/**
 * Which committed PTX a device loads: the newest target not above its compute capability (PTX is
 * forward-compatible, so sm_90 PTX is JIT-compiled on newer chips). Resources live at
 * {@code /ptx/<family>.sm_<arch>.ptx}, built from {@code src/main/cuda/<family>.cu}.
 */
public enum PtxArch {
    SM_80(80), SM_90(90);

    private final int capability;

    PtxArch(int capability) { this.capability = capability; }

    /** The PTX target for a device of compute capability {@code major * 10 + minor}. */
    public static PtxArch forCapability(int capability) {
        if (capability >= 90) return SM_90;
        if (capability >= 80) return SM_80;
        throw new IllegalArgumentException("compute capability " + capability / 10 + "." + capability % 10
                + " is below 8.0; Hone's kernels (bf16 atomics, cp.async-era PTX) target sm_80 and newer");
    }

    public String resource(String family) { return "/ptx/" + family + ".sm_" + capability + ".ptx"; }
}
