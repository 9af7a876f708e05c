package dev.hone.tensor.io;

import java.util.List;
import java.util.Map;

/**
 * A parsed JSON value (RFC 8259), as produced by {@link JsonParser}. Objects keep their members in
 * document order and never hold a key twice; numbers keep their literal text so that integers of any
 * size are judged exactly, never through a double.
 */
sealed interface JsonValue {

    /** A JSON object; {@code members} is unmodifiable and in document order. */
    record JsonObject(Map<String, JsonValue> members) implements JsonValue { }

    record JsonArray(List<JsonValue> elements) implements JsonValue { }

    record JsonString(String value) implements JsonValue { }

    /** A number exactly as written, e.g. {@code "12"}, {@code "-0.5e3"}; the grammar was checked by the parser. */
    record JsonNumber(String literal) implements JsonValue {

        /** True when written without fraction or exponent. */
        boolean isInteger() { return literal.indexOf('.') < 0 && literal.indexOf('e') < 0 && literal.indexOf('E') < 0; }
    }

    record JsonBoolean(boolean value) implements JsonValue { }

    enum JsonNull implements JsonValue { INSTANCE }

    /** A short name of this value's kind for error messages: "object", "array", "string", ... */
    default String kind() {
        return switch (this) {
            case JsonObject o -> "object";
            case JsonArray a -> "array";
            case JsonString s -> "string";
            case JsonNumber n -> "number " + n.literal();
            case JsonBoolean b -> "boolean";
            case JsonNull n -> "null";
        };
    }
}
