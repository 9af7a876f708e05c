package dev.hone.transformer.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hone.transformer.chat.Message;
import dev.hone.transformer.chat.Role;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns one parsed JSONL object into an {@link Example} of a known {@link JsonlFormat}, or throws a
 * {@link DataFormatException} naming the line and the problem. Formats: OpenAI {@code messages} (content a string
 * or a list of {@code {"type":"text","text":...}} parts), {@code prompt}/{@code completion} (with an optional
 * {@code system} string), and {@code text}, each key renamed as {@link JsonlFields} says. Metadata: every other
 * top-level scalar field, plus the scalar fields of a {@code meta} or {@code metadata} object, by their own names.
 */
final class JsonExampleParser {
    private static final Set<String> METADATA_OBJECTS = Set.of("meta", "metadata");

    private JsonExampleParser() {}

    /** The format of a line under {@link JsonlFormat#AUTO}, from its keys. */
    static JsonlFormat detect(JsonNode line, JsonlFields keys, SourceLocation where) {
        if (line.has(keys.messages())) return JsonlFormat.MESSAGES;
        if (line.has(keys.prompt()) && line.has(keys.completion())) return JsonlFormat.PROMPT_COMPLETION;
        if (line.has(keys.text())) return JsonlFormat.TEXT;
        throw new DataFormatException(where, SkipReason.MISSING_FIELD, "cannot tell the format: expected a \"" + keys.messages() + "\", \""
                + keys.prompt() + "\"+\"" + keys.completion() + "\" or \"" + keys.text() + "\" field, found " + fieldNames(line));
    }

    static Example parse(JsonNode line, JsonlFormat format, JsonlFields keys, SourceLocation where) {
        if (!line.isObject()) {
            throw new DataFormatException(where, SkipReason.MISSING_FIELD, "expected a JSON object, found " + line.getNodeType());
        }
        return switch (format) {
            case AUTO -> throw new IllegalArgumentException("JsonExampleParser.parse: resolve AUTO with detect() first");
            case MESSAGES -> new Example.Chat(messages(line, keys.messages(), where), metadata(line, Set.of(keys.messages())), where);
            case PROMPT_COMPLETION -> promptCompletion(line, keys, where);
            case TEXT -> {
                String text = requiredText(line, keys.text(), where);
                if (text.isBlank()) throw new DataFormatException(where, SkipReason.MISSING_FIELD, "\"" + keys.text() + "\" is empty");
                yield new Example.Text(text, metadata(line, Set.of(keys.text())), where);
            }
        };
    }

    private static Example promptCompletion(JsonNode line, JsonlFields keys, SourceLocation where) {
        List<Message> messages = new ArrayList<>();
        JsonNode system = line.get("system");
        if (system != null && system.isTextual() && !system.asText().isBlank()) messages.add(Message.system(system.asText()));
        messages.add(Message.user(requiredText(line, keys.prompt(), where)));
        String completion = requiredText(line, keys.completion(), where);
        if (completion.isBlank()) throw new DataFormatException(where, SkipReason.EMPTY_ASSISTANT, "\"" + keys.completion() + "\" is empty");
        messages.add(Message.assistant(completion));
        return new Example.Chat(messages, metadata(line, Set.of(keys.prompt(), keys.completion(), "system")), where);
    }

    private static List<Message> messages(JsonNode line, String key, SourceLocation where) {
        JsonNode array = line.get(key);
        if (array == null || !array.isArray() || array.isEmpty()) {
            throw new DataFormatException(where, SkipReason.MISSING_FIELD, "\"" + key + "\" must be a non-empty array");
        }
        List<Message> messages = new ArrayList<>(array.size());
        boolean hasAssistant = false;
        for (int i = 0; i < array.size(); i++) {
            JsonNode m = array.get(i);
            String field = key + "[" + i + "]";
            if (!m.isObject()) throw new DataFormatException(where, SkipReason.MISSING_FIELD, field + " is not an object");
            String roleName = requiredText(m, "role", where, field + ".role");
            Role role;
            try {
                role = Role.parse(roleName);
            } catch (IllegalArgumentException e) {
                throw new DataFormatException(where, SkipReason.UNKNOWN_ROLE, field + ": " + e.getMessage());
            }
            String content = content(m.get("content"), where, field + ".content");
            if (role == Role.ASSISTANT) {
                if (content.isBlank()) throw new DataFormatException(where, SkipReason.EMPTY_ASSISTANT, field + " has no content");
                hasAssistant = true;
            }
            messages.add(new Message(role, content));
        }
        if (!hasAssistant) {
            throw new DataFormatException(where, SkipReason.NO_ASSISTANT_TURN, "\"" + key + "\" has no assistant message to train on");
        }
        return messages;
    }

    private static String content(JsonNode content, SourceLocation where, String field) {
        if (content != null && content.isTextual()) return content.asText();
        if (content != null && content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw new DataFormatException(where, SkipReason.MISSING_FIELD, field + " has a part that is not {\"type\":\"text\",\"text\":...}");
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw new DataFormatException(where, SkipReason.MISSING_FIELD, field + " must be a string, found " + describe(content));
    }

    private static String requiredText(JsonNode node, String key, SourceLocation where) {
        return requiredText(node, key, where, "\"" + key + "\"");
    }

    private static String requiredText(JsonNode node, String key, SourceLocation where, String field) {
        JsonNode value = node.get(key);
        if (value == null || !value.isTextual()) {
            throw new DataFormatException(where, SkipReason.MISSING_FIELD, field + " must be a string, found " + describe(value));
        }
        return value.asText();
    }

    private static Map<String, String> metadata(JsonNode line, Set<String> contentKeys) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : line.properties()) {
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (contentKeys.contains(key)) continue;
            if (value.isValueNode() && !value.isNull()) {
                out.put(key, value.asText());
            } else if (value.isObject() && METADATA_OBJECTS.contains(key)) {
                for (Map.Entry<String, JsonNode> inner : value.properties()) {
                    if (inner.getValue().isValueNode() && !inner.getValue().isNull()) out.putIfAbsent(inner.getKey(), inner.getValue().asText());
                }
            }
        }
        return out;
    }

    private static String describe(JsonNode value) {
        return value == null ? "nothing" : value.getNodeType().toString().toLowerCase(Locale.ROOT);
    }

    private static String fieldNames(JsonNode line) {
        List<String> names = new ArrayList<>();
        line.fieldNames().forEachRemaining(names::add);
        return names.isEmpty() ? "no fields" : names.toString();
    }
}
