package dev.hone.quant;

/**
 * LLM.int8()-style rowwise absmax quantization (arXiv:2208.07339; bitsandbytes'
 * int8_vectorwise_quant / int8_vectorwise_dequant without outlier columns), in float32 arithmetic:
 * <pre>
 *   absmax[r] = max |a[r, :]|
 *   q[r, c]   = round_half_even(a[r, c] * (127 / absmax[r]))     (an all-zero row gives 0)
 *   a'[r, c]  = q[r, c] * absmax[r] * (1/127 as float32)
 * </pre>
 */
final class Int8Rowwise {
    private Int8Rowwise() { }

    /** bnb's dequantization constant 7.874015718698502e-3 (1/127 rounded to float32). */
    static final float INVERSE_127 = 7.874015718698502e-3f;

    static float[] rowAbsmax(float[] a, int rows, int cols) {
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            float m = 0f;
            for (int c = 0; c < cols; c++) m = Math.max(m, Math.abs(a[r * cols + c]));
            out[r] = m;
        }
        return out;
    }

    static byte[] codes(float[] a, int rows, int cols, float[] absmax) {
        byte[] q = new byte[a.length];
        for (int r = 0; r < rows; r++) {
            float scale = 127f / absmax[r];
            for (int c = 0; c < cols; c++) {
                float v = (float) Math.rint(a[r * cols + c] * scale);
                q[r * cols + c] = v != v ? 0 : (byte) Math.max(-127f, Math.min(127f, v));
            }
        }
        return q;
    }

    static void dequantize(byte[] q, float[] absmax, int cols, float[] out) {
        for (int i = 0; i < out.length; i++) out[i] = (q[i] * absmax[i / cols]) * INVERSE_127;
    }
}
