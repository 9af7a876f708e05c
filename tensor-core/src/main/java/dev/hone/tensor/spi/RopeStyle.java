package dev.hone.tensor.spi;

/**
 * How RoPE pairs the dimensions of a head. HALF: dimension i with i + D/2 (Hugging Face's rotate_half).
 * INTERLEAVED: dimension 2i with 2i + 1 (Meta's and llama2.c's original layout).
 */
public enum RopeStyle { HALF, INTERLEAVED }
