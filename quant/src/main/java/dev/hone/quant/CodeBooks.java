package dev.hone.quant;

/**
 * The fixed code books of bitsandbytes (bitsandbytes/functional.py): NF4 and FP4 for 4-bit weights
 * ({@code get_4bit_type}) and the signed 8-bit dynamic map that double quantization stores the
 * absmax values in ({@code create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)}).
 *
 * <p>NF4 is the QLoRA paper's NormalFloat table (arXiv:2305.14314, appendix E) as bnb lists it.
 * FP4 is bnb's e2m1 table [0, .0625, 8, 12, 4, 6, 2, 3, -0, -.0625, -8, -12, -4, -6, -2, -3]
 * divided in float32 by its absmax 12. The dynamic map follows torch.linspace's float32 CPU kernel
 * (start + step*i below the halfway index, end - step*(steps-1-i) from it, each one fused
 * multiply-add as PyTorch's vectorised builds compute it); the result was checked bit for bit
 * against torch 2.11 (test resource reference/dynamic_map_torch.txt). Each call builds a new book.
 */
public final class CodeBooks {
    private CodeBooks() { }

    private static final float[] NF4_VALUES = {
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    };

    private static final float[] FP4_UNSCALED = {
        0f, 0.0625f, 8f, 12f, 4f, 6f, 2f, 3f, -0f, -0.0625f, -8f, -12f, -4f, -6f, -2f, -3f,
    };

    /** Python's 10 ** (-6 + i) for i in 0..6, as torch receives them (double, narrowed to float32). */
    private static final double[] POWERS_OF_TEN = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0};

    public static CodeBook nf4() { return CodeBook.of(NF4_VALUES); }

    public static CodeBook fp4() {
        float[] v = new float[16];
        for (int i = 0; i < 16; i++) v[i] = FP4_UNSCALED[i] / 12f;
        return CodeBook.of(v);
    }

    /** bnb's signed dynamic 8-bit map: 256 sorted values in [-0.99296875, 1], including 0 and 1. */
    public static CodeBook signedDynamic8() {
        float[] data = new float[256];
        int n = 0;
        for (int i = 0; i < 7; i++) {
            float[] bounds = linspace(0.1f, 1.0f, (1 << i) + 1);
            float scale = (float) POWERS_OF_TEN[i];
            for (int k = 0; k + 1 < bounds.length; k++) {
                float mean = (bounds[k] + bounds[k + 1]) / 2f;
                data[n++] = scale * mean;
                data[n++] = -scale * mean;
            }
        }
        data[n++] = 0f;
        data[n++] = 1f;
        if (n != 256) throw new IllegalStateException("dynamic map: built " + n + " values, expected 256");
        java.util.Arrays.sort(data);
        return CodeBook.of(data);
    }

    /** torch.linspace(start, end, steps, dtype=float32) on the CPU, fused multiply-adds included. */
    static float[] linspace(float start, float end, int steps) {
        float step = (end - start) / (float) (steps - 1);
        int halfway = steps / 2;
        float[] out = new float[steps];
        for (int i = 0; i < steps; i++) {
            out[i] = i < halfway ? Math.fma(step, (float) i, start) : Math.fma(-step, (float) (steps - 1 - i), end);
        }
        return out;
    }
}
