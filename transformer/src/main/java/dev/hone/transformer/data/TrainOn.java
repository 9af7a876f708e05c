package dev.hone.transformer.data;

/** Which tokens of a chat example carry loss (Axolotl's {@code train_on_inputs}). Text examples always train on all. */
public enum TrainOn {
    /** The assistant turns and the end-of-turn/EOS token closing each ({@code train_on_inputs: false}, the default). */
    ASSISTANT,
    /** Every token after the first ({@code train_on_inputs: true}). */
    ALL_TOKENS
}
