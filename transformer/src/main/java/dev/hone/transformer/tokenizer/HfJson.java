package dev.hone.transformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Field accessors for tokenizer.json that fail with the file and the JSON path of a missing or mistyped field. */
final class HfJson {
    private HfJson() {}

    static String text(JsonNode node, String name, String field, String source) {
        JsonNode value = node.get(name);
        if (value == null || !value.isTextual()) {
            throw new TokenizerFormatException(source + ": " + field + "." + name + " is missing or not a string");
        }
        return value.asText();
    }

    static JsonNode array(JsonNode node, String name, String field, String source) {
        JsonNode value = node.get(name);
        if (value == null || !value.isArray()) {
            throw new TokenizerFormatException(source + ": " + field + "." + name + " is missing or not an array");
        }
        return value;
    }

    static JsonNode object(JsonNode node, String name, String field, String source) {
        JsonNode value = node.get(name);
        if (value == null || !value.isObject()) {
            throw new TokenizerFormatException(source + ": " + field + "." + name + " is missing or not an object");
        }
        return value;
    }

    /**
     * A {@code {"String": s}} or {@code {"Regex": r}} pattern. Regexes use Unicode classes, as the Rust
     * {@code regex}/Oniguruma engines do ({@code \s} is Unicode white space).
     */
    static Pattern pattern(JsonNode node, String field, String source) {
        if (node != null && node.hasNonNull("String")) return Pattern.compile(Pattern.quote(node.get("String").asText()));
        if (node != null && node.hasNonNull("Regex")) {
            try {
                return Pattern.compile(node.get("Regex").asText(), Pattern.UNICODE_CHARACTER_CLASS);
            } catch (PatternSyntaxException e) {
                throw new TokenizerFormatException(source + ": " + field + ".Regex does not compile: " + e.getMessage(), e);
            }
        }
        throw new TokenizerFormatException(source + ": " + field + " must be {\"String\": ...} or {\"Regex\": ...}");
    }
}
