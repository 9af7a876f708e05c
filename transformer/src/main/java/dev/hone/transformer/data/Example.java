package dev.hone.transformer.data;

import dev.hone.transformer.chat.Message;
import dev.hone.transformer.chat.Role;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One training example as read from a data file, before tokenization. A closed set: a {@link Chat} conversation
 * (OpenAI {@code messages}, or a prompt/completion pair read as one user and one assistant turn) or plain
 * {@link Text} (language-modelling data, loss on every token). Each carries its {@link SourceLocation} and optional
 * string metadata (e.g. {@code intent}, {@code category}) used for exact-match evaluation.
 * Invariants: a chat has at least one assistant turn and no blank assistant turn; lists and maps are immutable.
 */
public sealed interface Example {

    SourceLocation source();

    /** Labels and other scalar fields kept from the file, by their names there. */
    Map<String, String> metadata();

    /** The metadata value {@code key}, if present. */
    default Optional<String> label(String key) { return Optional.ofNullable(metadata().get(key)); }

    /** A conversation; trained on its assistant turns. */
    record Chat(List<Message> messages, Map<String, String> metadata, SourceLocation source) implements Example {
        public Chat {
            messages = List.copyOf(messages);
            metadata = Map.copyOf(metadata);
            if (messages.stream().noneMatch(m -> m.role() == Role.ASSISTANT)) {
                throw new IllegalArgumentException(source + ": chat example has no assistant turn");
            }
            for (Message m : messages) {
                if (m.role() == Role.ASSISTANT && m.content().isBlank()) {
                    throw new IllegalArgumentException(source + ": chat example has an empty assistant turn");
                }
            }
        }

        /** The messages before the last assistant turn: the prompt a model answers at evaluation time. */
        public List<Message> promptMessages() {
            int last = messages.size() - 1;
            while (messages.get(last).role() != Role.ASSISTANT) last--;
            return messages.subList(0, last);
        }

        /** The content of the last assistant turn: the reference answer. */
        public String lastAssistantContent() {
            for (int i = messages.size() - 1; ; i--) if (messages.get(i).role() == Role.ASSISTANT) return messages.get(i).content();
        }
    }

    /** Plain text; trained on every token, followed by EOS. */
    record Text(String text, Map<String, String> metadata, SourceLocation source) implements Example {
        public Text {
            metadata = Map.copyOf(metadata);
        }
    }
}
