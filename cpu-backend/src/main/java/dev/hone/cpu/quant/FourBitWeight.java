package dev.hone.cpu.quant;

import dev.hone.tensor.Elements;

import java.lang.foreign.MemorySegment;

/**
 * A 4-bit (NF4 / FP4) weight W[rows, cols] in bitsandbytes' packed layout, as the fused kernels read it:
 * {@code packed} holds rows*cols/2 bytes, element 2i in the high nibble of byte i (row-major); element
 * (n, k) decodes to {@code table[code] * absmax[(n*cols + k) / blocksize]}. {@code absmax} is a segment
 * of exactly rows*cols/blocksize float32 values in native byte order ({@link Elements#F32}), already
 * recovered from double quantization, read in place ({@link #absmaxAt}) so a tensor's storage can be
 * used without a copy. Invariants: cols is a multiple of blocksize (so no block straddles two rows),
 * blocksize is a power of two in 32..4096, table has 16 entries. Nothing is copied: callers must not
 * modify the segments or the table while kernels run, nor release their memory.
 */
public record FourBitWeight(MemorySegment packed, MemorySegment absmax, float[] table, int rows, int cols, int blocksize) {
    public FourBitWeight {
        long numel = (long) rows * cols;
        boolean shaped = rows >= 1 && cols >= 1 && blocksize >= 32 && blocksize <= 4096 && Integer.bitCount(blocksize) == 1 && cols % blocksize == 0;
        if (!shaped || packed.byteSize() != numel / 2 || absmax.byteSize() != numel / blocksize * Float.BYTES || table.length != 16) {
            throw new IllegalArgumentException(problem(packed, absmax, table, rows, cols, blocksize));   // built only on failure: constructed once per decode call
        }
    }

    /** The message naming what is wrong with these parts (called only when one is). */
    private static String problem(MemorySegment packed, MemorySegment absmax, float[] table, int rows, int cols, int blocksize) {
        String what = "FourBitWeight [" + rows + ", " + cols + "]";
        if (rows < 1 || cols < 1) return what + ": empty weight";
        if (blocksize < 32 || blocksize > 4096 || Integer.bitCount(blocksize) != 1) {
            return what + ": blocksize " + blocksize + " must be a power of two in 32..4096";
        }
        if (cols % blocksize != 0) {
            return what + ": cols " + cols + " is not a multiple of blocksize " + blocksize
                    + " (the fused kernel needs whole blocks per row; dequantize and use a dense matmul instead)";
        }
        long numel = (long) rows * cols;
        if (packed.byteSize() != numel / 2) return what + ": packed holds " + packed.byteSize() + " bytes, needs " + numel / 2;
        long blocks = numel / blocksize;
        if (absmax.byteSize() != blocks * Float.BYTES) {
            return what + ": absmax holds " + absmax.byteSize() + " bytes, needs " + blocks + " float32 values (" + blocks * Float.BYTES + " bytes)";
        }
        return what + ": code table has " + table.length + " entries, needs 16";
    }

    /** A weight whose absmax values live in a float array (wrapped, not copied). */
    public FourBitWeight(MemorySegment packed, float[] absmax, float[] table, int rows, int cols, int blocksize) {
        this(packed, MemorySegment.ofArray(absmax), table, rows, cols, blocksize);
    }

    public int blocksPerRow() { return cols / blocksize; }

    /** The absmax of flattened block {@code block} (elements block*blocksize .. (block+1)*blocksize - 1). */
    public float absmaxAt(int block) { return absmax.getAtIndex(Elements.F32, block); }
}
