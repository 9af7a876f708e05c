package dev.hone.benchmarks;

import java.util.List;

/**
 * The GEMM shapes Hone's benchmarks time, C[m x n] = op(A)[m x k] · B[k x n] in F32, with the same
 * names the numpy/OpenBLAS script (run-gemm-vs-openblas.sh) prints, so rows can be joined by name.
 * {@code transposedA} means A is stored [k x m] and read through a transposed view (X^T·dY);
 * {@code transposedB} means B is stored [n x k] (a PyTorch-style [out, in] weight, x·W^T).
 */
public record GemmShape(String name, int m, int k, int n, boolean transposedA, boolean transposedB) {

    public double flops() { return 2.0 * m * n * k; }

    /** The name up to its first space ("square1024", "lora_A_r16"): a JMH parameter value. */
    public String key() {
        int space = name.indexOf(' ');
        return space < 0 ? name : name.substring(0, space);
    }

    /** Square sizes, the GPT-2 MLP shape, the LoRA rank-16 shapes, the weight-gradient shape, and decode GEMVs. */
    public static List<GemmShape> standard() {
        return List.of(
                new GemmShape("square512", 512, 512, 512, false, false),
                new GemmShape("square1024", 1024, 1024, 1024, false, false),
                new GemmShape("square2048", 2048, 2048, 2048, false, false),
                new GemmShape("square4096", 4096, 4096, 4096, false, false),
                new GemmShape("mlp_up [2048x768]@[768x3072]", 2048, 768, 3072, false, false),
                new GemmShape("lora_A_r16 [2048x768]@[768x16]", 2048, 768, 16, false, false),
                new GemmShape("lora_B_r16 [2048x16]@[16x768]", 2048, 16, 768, false, false),
                new GemmShape("dW X^T@dY [768x2048]@[2048x3072]", 768, 2048, 3072, true, false),
                new GemmShape("gemv [1x768]@[768x3072]", 1, 768, 3072, false, false),
                new GemmShape("gemv_xWT [1x768]@[3072x768]^T", 1, 768, 3072, false, true));
    }

    /**
     * The standard shape with this full name or key, or an ad-hoc one written {@code MxKxN} with {@code ,At} and/or
     * {@code ,Bt} for a transposed operand (e.g. {@code 2048x768x3072,Bt}: x·Wᵀ with W [3072, 768]).
     */
    public static GemmShape byName(String name) {
        java.util.regex.Matcher adHoc = java.util.regex.Pattern.compile("(\\d+)x(\\d+)x(\\d+)((?:,At|,Bt)*)").matcher(name);
        if (adHoc.matches()) {
            return new GemmShape(name, Integer.parseInt(adHoc.group(1)), Integer.parseInt(adHoc.group(2)), Integer.parseInt(adHoc.group(3)),
                    adHoc.group(4).contains("At"), adHoc.group(4).contains("Bt"));
        }
        return standard().stream().filter(s -> s.name().equals(name) || s.key().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown GEMM shape '" + name + "' (a standard one, or MxKxN[,At][,Bt])"));
    }
}
