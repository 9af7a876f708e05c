package dev.hone.transformer.chat;

import java.util.Locale;

/** The author of a chat message, spelled as in OpenAI/Hugging Face {@code messages} ({@code "system"} ...). */
public enum Role {
    SYSTEM, USER, ASSISTANT;

    /** The lower-case name used in chat templates. */
    public String spelling() { return name().toLowerCase(Locale.ROOT); }

    /** Parses {@code "system"}, {@code "user"} or {@code "assistant"}; anything else is an error naming it. */
    public static Role parse(String role) {
        for (Role r : values()) if (r.spelling().equals(role)) return r;
        throw new IllegalArgumentException("unknown chat role '" + role + "' (expected system, user or assistant)");
    }
}
