package dev.hone.transformer.train.config;

/**
 * What is trained (Axolotl's {@code adapter} key): a LoRA adapter over dense frozen weights, a LoRA adapter
 * over 4-bit quantized frozen weights (QLoRA, Dettmers et al. 2023), or every weight (full fine-tuning,
 * Axolotl's default when {@code adapter} is absent; written {@code none} or {@code full}).
 */
public enum AdapterKind {
    LORA,
    QLORA,
    FULL;

    /** True for the two kinds that train a low-rank adapter and freeze the base weights. */
    public boolean isLora() { return this != FULL; }
}
