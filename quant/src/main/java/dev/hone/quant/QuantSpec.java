package dev.hone.quant;

/**
 * What to quantize a weight to: format, block size and absmax encoding. {@link #qlora()} is the QLoRA
 * recipe (NF4, blocks of 64, double-quantized absmax: 4.127 bits per parameter). For INT8 the block is
 * a whole row and the blocksize field is ignored.
 */
public record QuantSpec(QuantFormat format, int blocksize, AbsmaxEncoding absmaxEncoding) {
    public static final int DEFAULT_BLOCKSIZE = 64;
    public static final int MIN_BLOCKSIZE = 32;
    public static final int MAX_BLOCKSIZE = 4096;
    /** bitsandbytes' block size for double-quantizing absmax values. */
    public static final int NESTED_BLOCKSIZE = 256;

    public QuantSpec {
        if (format.isFourBit()) checkBlocksize("QuantSpec " + format, blocksize);
        if (format == QuantFormat.INT8 && absmaxEncoding == AbsmaxEncoding.DOUBLE_QUANT) {
            throw new IllegalArgumentException("QuantSpec INT8: double quantization applies to the 4-bit formats only");
        }
    }

    public static QuantSpec qlora() { return new QuantSpec(QuantFormat.NF4, DEFAULT_BLOCKSIZE, AbsmaxEncoding.DOUBLE_QUANT); }

    public static QuantSpec of(QuantFormat format) { return new QuantSpec(format, DEFAULT_BLOCKSIZE, AbsmaxEncoding.FLOAT32); }

    public static QuantSpec int8() { return new QuantSpec(QuantFormat.INT8, 0, AbsmaxEncoding.FLOAT32); }

    /** Throws naming {@code what} unless blocksize is a power of two in [32, 4096]. */
    public static void checkBlocksize(String what, int blocksize) {
        if (blocksize < MIN_BLOCKSIZE || blocksize > MAX_BLOCKSIZE || Integer.bitCount(blocksize) != 1) {
            throw new IllegalArgumentException(what + ": blocksize " + blocksize + " must be a power of two in "
                    + MIN_BLOCKSIZE + ".." + MAX_BLOCKSIZE);
        }
    }
}
