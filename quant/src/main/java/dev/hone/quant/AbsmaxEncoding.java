package dev.hone.quant;

/**
 * How per-block absmax values are stored: plain float32, or double-quantized as in QLoRA
 * (arXiv:2305.14314, section 3): absmax minus its mean, in 8-bit dynamic codes per block of 256.
 */
public enum AbsmaxEncoding {
    FLOAT32,
    DOUBLE_QUANT
}
