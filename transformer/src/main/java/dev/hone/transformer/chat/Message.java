package dev.hone.transformer.chat;

import java.util.Objects;

/** One chat turn. Content is used as given; templates apply their own stripping rules. */
public record Message(Role role, String content) {
    public Message {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    /** A message with a role spelled as in JSON chat data; an unknown role is an error naming it. */
    public static Message of(String role, String content) { return new Message(Role.parse(role), content); }

    public static Message system(String content) { return new Message(Role.SYSTEM, content); }

    public static Message user(String content) { return new Message(Role.USER, content); }

    public static Message assistant(String content) { return new Message(Role.ASSISTANT, content); }
}
