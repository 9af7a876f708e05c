package dev.hone.tensor.testkit;

import dev.hone.tensor.DType;

/**
 * How far a backend's result may stray from the reference: element i passes when
 * {@code |actual - expected| <= relative * |expected| + absolute * max|expected|}, the absolute term
 * scaled by the largest reference magnitude of the whole tensor so cancellation near zero is judged
 * against the size of the numbers involved. Non-finite values must match exactly (NaN with NaN, the
 * same infinity).
 */
public record Tolerance(double relative, double absolute) {

    /** Identical values (integers, booleans, copies, casts, random fills of integers). */
    public static final Tolerance EXACT = new Tolerance(0, 0);

    /** F32 elementwise maths: about 8 ulp, room for vectorised exp/tanh approximations. */
    public static final Tolerance F32_ELEMENTWISE = new Tolerance(1e-6, 1e-6);

    /** F32 sums and means: the order of additions is the backend's choice. */
    public static final Tolerance F32_REDUCTION = new Tolerance(1e-5, 1e-5);

    /** F32 fused kernels (softmax, norms, attention, AdamW, ...), computed in F32 or wider. */
    public static final Tolerance F32_FUSED = new Tolerance(2e-5, 2e-5);

    /** Any result rounded to BF16 (8 significant bits): one rounding step apart is allowed. */
    public static final Tolerance BF16 = new Tolerance(1e-2, 1e-2);

    /** Any result rounded to F16 (11 significant bits). */
    public static final Tolerance F16 = new Tolerance(2e-3, 2e-3);

    /** F32 matmul with inner size k: accumulation error grows like sqrt(k). */
    public static Tolerance matmulF32(int k) {
        double t = 1e-5 * Math.sqrt(Math.max(1, k));
        return new Tolerance(t, t);
    }

    /** The tolerance for a result of {@code dtype} given the F32 tolerance of the op. */
    public static Tolerance forOutput(DType dtype, Tolerance f32) {
        return switch (dtype) {
            case BF16 -> BF16;
            case F16 -> F16;
            case F32, F64 -> f32;
            case I8, U8, I32, I64, BOOL -> EXACT;
        };
    }
}
