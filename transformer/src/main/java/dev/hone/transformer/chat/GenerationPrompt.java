package dev.hone.transformer.chat;

/** Whether a rendering ends with the header that asks the model for the next assistant turn (inference). */
public enum GenerationPrompt {
    /** Render the conversation only (training). */
    OMIT,
    /** Append the assistant header (HF {@code add_generation_prompt=True}). */
    APPEND
}
