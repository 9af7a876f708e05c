package dev.hone.transformer.data;

/** Why a parsed example was left out of training after tokenization. */
public enum DropReason {
    /** Longer than {@code sequence_len} under {@link OverlongPolicy#DROP}. */
    TOO_LONG("longer than sequence_len"),
    /** No trainable token left within {@code sequence_len} (the assistant part was cut off): it would give no loss. */
    NO_TRAINABLE_TOKENS("no trainable token within sequence_len");

    private final String description;

    DropReason(String description) { this.description = description; }

    public String description() { return description; }
}
