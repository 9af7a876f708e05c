package dev.hone.transformer.data;

/** Why an input line or record was not turned into an {@link Example}. */
public enum SkipReason {
    MALFORMED_JSON("malformed JSON"),
    MISSING_FIELD("missing or mistyped field"),
    UNKNOWN_ROLE("unknown role"),
    EMPTY_ASSISTANT("empty assistant turn"),
    NO_ASSISTANT_TURN("no assistant turn"),
    TEMPLATE_REJECTED("rejected by the chat template");

    private final String description;

    SkipReason(String description) { this.description = description; }

    public String description() { return description; }
}
