package dev.hone.quant;

/**
 * bitsandbytes' blockwise absmax quantization (backends/default/ops.py: quantize_4bit,
 * quantize_blockwise; functional.py: quantize_4bit with compress_statistics), in float32 arithmetic
 * exactly as torch performs it:
 * <pre>
 *   absmax[b] = max |a| over block b            (the last block may be partial: bnb pads it)
 *   scaled    = clamp(a * (1 / absmax[b]), -1, 1)
 *   code      = book.nearest(scaled)            (lower code on an exact tie)
 *   byte      = code[2i] &lt;&lt; 4 | code[2i+1]   (even element in the high nibble; an odd count is padded with 0.0)
 * </pre>
 * Double quantization: offset = mean(absmax) (summed in float64 in index order, rounded once to
 * float32; torch's float32 cascade sum can differ from it by one ulp), then (absmax - offset) is
 * quantized in blocks of 256 against the signed dynamic map.
 */
final class Blockwise {
    private Blockwise() { }

    static int blockCount(long numel, int blocksize) { return Math.toIntExact((numel + blocksize - 1) / blocksize); }

    static float[] absmax(float[] a, int blocksize) {
        float[] out = new float[blockCount(a.length, blocksize)];
        for (int b = 0; b < out.length; b++) {
            int end = Math.min(a.length, (b + 1) * blocksize);
            float m = 0f;
            for (int i = b * blocksize; i < end; i++) m = max(m, Math.abs(a[i]));
            out[b] = m;
        }
        return out;
    }

    /** torch.max semantics: NaN wins. */
    private static float max(float a, float b) { return a != a || b != b ? Float.NaN : Math.max(a, b); }

    static float[] inverses(float[] absmax) {
        float[] inv = new float[absmax.length];
        for (int b = 0; b < inv.length; b++) inv[b] = 1f / absmax[b];
        return inv;
    }

    /** clamp(x * inverse, -1, 1); NaN stays NaN, as torch.clamp leaves it. */
    static float scaled(float x, float inverse) {
        float s = x * inverse;
        return s > 1f ? 1f : s < -1f ? -1f : s;
    }

    /** Two 4-bit codes per byte, even element in the high nibble; length ceil(n / 2). */
    static byte[] packFourBit(float[] a, int blocksize, float[] absmax, CodeBook book) {
        float[] inv = inverses(absmax);
        byte[] packed = new byte[(a.length + 1) / 2];
        int padCode = book.nearest(0f);
        for (int i = 0; i < a.length; i += 2) {
            int high = book.nearest(scaled(a[i], inv[i / blocksize]));
            int low = i + 1 < a.length ? book.nearest(scaled(a[i + 1], inv[(i + 1) / blocksize])) : padCode;
            packed[i >> 1] = (byte) (high << 4 | low);
        }
        return packed;
    }

    /** One byte code per value (8-bit blockwise quantization). */
    static byte[] codesEightBit(float[] a, int blocksize, float[] absmax, CodeBook book) {
        float[] inv = inverses(absmax);
        byte[] codes = new byte[a.length];
        for (int i = 0; i < a.length; i++) codes[i] = (byte) book.nearest(scaled(a[i], inv[i / blocksize]));
        return codes;
    }

    /** The 4-bit code of element {@code i}. */
    static int fourBitCode(byte[] packed, long i) {
        int b = packed[(int) (i >>> 1)];
        return (i & 1) == 0 ? (b >> 4) & 0xf : b & 0xf;
    }

    /** The mean of {@code values}: float64 sum in index order, divided, rounded once to float32. */
    static float mean(float[] values) {
        double sum = 0;
        for (float v : values) sum += v;
        return (float) (sum / values.length);
    }

    static Absmax.DoubleQuantized doubleQuantize(float[] absmax) {
        float offset = mean(absmax);
        float[] centred = new float[absmax.length];
        for (int i = 0; i < centred.length; i++) centred[i] = absmax[i] - offset;
        int nestedBlocksize = QuantSpec.NESTED_BLOCKSIZE;
        float[] nested = absmax(centred, nestedBlocksize);
        CodeBook dynamic = CodeBooks.signedDynamic8();
        byte[] codes = codesEightBit(centred, nestedBlocksize, nested, dynamic);
        return new Absmax.DoubleQuantized(codes, nested, offset, dynamic, nestedBlocksize);
    }

    /** out[i] = book[code(i)] * absmax[i / blocksize] for i in [0, out.length). */
    static void dequantizeFourBit(byte[] packed, float[] absmax, int blocksize, CodeBook book, float[] out) {
        float[] table = book.values();
        for (int i = 0; i < out.length; i++) out[i] = table[fourBitCode(packed, i)] * absmax[i / blocksize];
    }
}
