package dev.hone.cpu.quant;

import java.lang.foreign.MemorySegment;

/**
 * A 4-bit (NF4 / FP4) weight W[rows, cols] in bitsandbytes' packed layout, as the fused kernels read it:
 * {@code packed} holds rows*cols/2 bytes, element 2i in the high nibble of byte i (row-major); element
 * (n, k) decodes to {@code table[code] * absmax[(n*cols + k) / blocksize]}. Invariants: cols is a
 * multiple of blocksize (so no block straddles two rows), blocksize is a power of two in 32..4096,
 * table has 16 entries, absmax has rows*cols/blocksize entries (already recovered from double
 * quantization). The arrays are not copied: callers must not modify them while kernels run.
 */
public record FourBitWeight(MemorySegment packed, float[] absmax, float[] table, int rows, int cols, int blocksize) {
    public FourBitWeight {
        String what = "FourBitWeight [" + rows + ", " + cols + "]";
        if (rows < 1 || cols < 1) throw new IllegalArgumentException(what + ": empty weight");
        if (blocksize < 32 || blocksize > 4096 || Integer.bitCount(blocksize) != 1) {
            throw new IllegalArgumentException(what + ": blocksize " + blocksize + " must be a power of two in 32..4096");
        }
        if (cols % blocksize != 0) {
            throw new IllegalArgumentException(what + ": cols " + cols + " is not a multiple of blocksize " + blocksize
                    + " (the fused kernel needs whole blocks per row; dequantize and use a dense matmul instead)");
        }
        long numel = (long) rows * cols;
        if (packed.byteSize() != numel / 2) throw new IllegalArgumentException(what + ": packed holds " + packed.byteSize() + " bytes, needs " + numel / 2);
        if (absmax.length != numel / blocksize) throw new IllegalArgumentException(what + ": " + absmax.length + " absmax values, needs " + numel / blocksize);
        if (table.length != 16) throw new IllegalArgumentException(what + ": code table has " + table.length + " entries, needs 16");
    }

    public int blocksPerRow() { return cols / blocksize; }
}
