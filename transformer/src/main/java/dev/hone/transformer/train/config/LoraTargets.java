package dev.hone.transformer.train.config;

import java.util.List;

/**
 * Which linear layers get a LoRA adapter ({@code lora_target_modules}): every linear layer of the decoder
 * except the output head (PEFT's {@code "all-linear"}), or the layers whose name ends with one of the listed
 * module names (PEFT's suffix matching, e.g. {@code q_proj}, {@code v_proj}: PEFT's default for Llama).
 */
public sealed interface LoraTargets {

    /** PEFT's {@code "all-linear"}. */
    record AllLinear() implements LoraTargets {
        @Override public String toString() { return "all-linear"; }
    }

    /** Module-name suffixes; never empty. */
    record Named(List<String> modules) implements LoraTargets {
        public Named {
            modules = List.copyOf(modules);
            if (modules.isEmpty()) throw new IllegalArgumentException("lora_target_modules: the list is empty");
        }

        @Override public String toString() { return String.join(",", modules); }
    }

    /** PEFT's default for the Llama family: the query and value projections. */
    static LoraTargets llamaDefault() { return new Named(List.of("q_proj", "v_proj")); }
}
