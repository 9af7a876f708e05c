package dev.hone.transformer.train.config;

/**
 * The 4-bit code book of QLoRA base weights ({@code bnb_4bit_quant_type}, as bitsandbytes): NF4, the normal-float
 * quantiles of Dettmers et al. 2023 (Axolotl's default), or FP4 (1 sign, 2 exponent, 1 mantissa bits).
 */
public enum QuantType {
    NF4,
    FP4
}
