package dev.hone.transformer.data;

/**
 * The keys a JSONL record's content is read from (Axolotl's {@code field_messages}, {@code field_prompt},
 * {@code field_completion}, {@code field_text}); {@link #STANDARD} are the OpenAI/TRL names. Inside a message the
 * keys stay {@code role} and {@code content}; a prompt/completion record's optional system prompt stays {@code system}.
 */
public record JsonlFields(String messages, String prompt, String completion, String text) {
    public static final JsonlFields STANDARD = new JsonlFields("messages", "prompt", "completion", "text");

    public JsonlFields {
        for (String key : new String[] {messages, prompt, completion, text}) {
            if (key == null || key.isBlank()) throw new IllegalArgumentException("JsonlFields: a field name is empty (" + this + ")");
        }
        if (prompt.equals(completion)) throw new IllegalArgumentException("JsonlFields: prompt and completion are both '" + prompt + "'");
    }
}
