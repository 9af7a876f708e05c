package dev.hone.tensor.io;

import dev.hone.tensor.io.JsonValue.JsonArray;
import dev.hone.tensor.io.JsonValue.JsonBoolean;
import dev.hone.tensor.io.JsonValue.JsonNull;
import dev.hone.tensor.io.JsonValue.JsonNumber;
import dev.hone.tensor.io.JsonValue.JsonObject;
import dev.hone.tensor.io.JsonValue.JsonString;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON parser (RFC 8259) for safetensors headers and checkpoint index files, so that
 * tensor-core needs nothing beyond java.base. Strict means: exactly one value, surrounded only by JSON
 * whitespace (safetensors pads its header with spaces); no comments, trailing commas, single quotes,
 * leading zeros, NaN or control characters in strings; no duplicate object keys (a duplicate tensor
 * name would otherwise silently shadow another); unpaired UTF-16 surrogates in {@code \\u} escapes are
 * rejected; nesting is limited to {@value #MAX_DEPTH} levels so hostile input cannot overflow the stack.
 * Errors are {@link IllegalArgumentException}s naming the character position; callers add the file.
 */
final class JsonParser {
    static final int MAX_DEPTH = 64;

    private final String text;
    private int pos;
    private int depth;

    private JsonParser(String text) { this.text = text; }

    /** Decodes UTF-8 strictly (malformed or truncated sequences are an error, not U+FFFD). */
    static String decodeUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not valid UTF-8 (" + e.getMessage() + ")", e);
        }
    }

    /** Parses a complete JSON document. */
    static JsonValue parse(String text) {
        JsonParser p = new JsonParser(text);
        p.skipWhitespace();
        JsonValue v = p.value();
        p.skipWhitespace();
        if (p.pos != text.length()) throw p.error("unexpected " + p.describeNext() + " after the JSON value");
        return v;
    }

    private JsonValue value() {
        if (pos >= text.length()) throw error("unexpected end of input, expected a value");
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> new JsonString(string());
            case 't' -> literal("true", new JsonBoolean(true));
            case 'f' -> literal("false", new JsonBoolean(false));
            case 'n' -> literal("null", JsonNull.INSTANCE);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected " + describeNext() + ", expected a value");
            }
        };
    }

    private JsonObject object() {
        enter();
        pos++; // '{'
        Map<String, JsonValue> members = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            depth--;
            return new JsonObject(Collections.unmodifiableMap(members));
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') throw error("expected a string key, found " + describeNext());
            int keyAt = pos;
            String key = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            JsonValue v = value();
            if (members.putIfAbsent(key, v) != null) {
                pos = keyAt;
                throw error("duplicate key '" + key + "'");
            }
            skipWhitespace();
            char c = peek();
            pos++;
            if (c == '}') break;
            if (c != ',') { pos--; throw error("expected ',' or '}' in object, found " + describeNext()); }
        }
        depth--;
        return new JsonObject(Collections.unmodifiableMap(members));
    }

    private JsonArray array() {
        enter();
        pos++; // '['
        List<JsonValue> elements = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            depth--;
            return new JsonArray(List.copyOf(elements));
        }
        while (true) {
            skipWhitespace();
            elements.add(value());
            skipWhitespace();
            char c = peek();
            pos++;
            if (c == ']') break;
            if (c != ',') { pos--; throw error("expected ',' or ']' in array, found " + describeNext()); }
        }
        depth--;
        return new JsonArray(List.copyOf(elements));
    }

    private void enter() {
        if (++depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH + " levels");
    }

    private String string() {
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) throw error("unterminated string");
            char c = text.charAt(pos++);
            if (c == '"') return sb.toString();
            if (c < 0x20) { pos--; throw error("unescaped control character U+" + hex4(c) + " in string"); }
            if (c != '\\') { sb.append(c); continue; }
            if (pos >= text.length()) throw error("unterminated escape in string");
            char e = text.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> sb.append(unicodeEscape());
                default -> { pos--; throw error("invalid escape '\\" + e + "' in string"); }
            }
        }
    }

    /** The character(s) of a {@code \\uXXXX} escape (pos is after the 'u'); pairs surrogates. */
    private String unicodeEscape() {
        char high = hexChar();
        if (!Character.isSurrogate(high)) return String.valueOf(high);
        if (Character.isHighSurrogate(high) && text.startsWith("\\u", pos)) {
            pos += 2;
            char low = hexChar();
            if (Character.isLowSurrogate(low)) return new String(new char[] {high, low});
        }
        throw error("unpaired UTF-16 surrogate in \\u escape");
    }

    private char hexChar() {
        if (pos + 4 > text.length()) throw error("truncated \\u escape");
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos), 16);
            if (d < 0) throw error("invalid hex digit in \\u escape");
            v = v * 16 + d;
            pos++;
        }
        return (char) v;
    }

    private JsonNumber number() {
        int start = pos;
        if (peek() == '-') pos++;
        if (peek() == '0') {
            pos++;
            if (isDigit(peek())) throw error("leading zero in number");
        } else if (isDigit(peek())) {
            while (isDigit(peek())) pos++;
        } else {
            throw error("expected a digit in number");
        }
        if (peek() == '.') {
            pos++;
            if (!isDigit(peek())) throw error("expected a digit after '.' in number");
            while (isDigit(peek())) pos++;
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') pos++;
            if (!isDigit(peek())) throw error("expected a digit in the exponent of a number");
            while (isDigit(peek())) pos++;
        }
        return new JsonNumber(text.substring(start, pos));
    }

    private JsonValue literal(String word, JsonValue v) {
        if (!text.startsWith(word, pos)) throw error("unexpected " + describeNext() + ", expected a value");
        pos += word.length();
        return v;
    }

    private void expect(char c) {
        if (peek() != c) throw error("expected '" + c + "', found " + describeNext());
        pos++;
    }

    /** The next character, or U+0000 at the end of input (which no valid token starts with). */
    private char peek() { return pos < text.length() ? text.charAt(pos) : '\0'; }

    private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            pos++;
        }
    }

    private String describeNext() {
        if (pos >= text.length()) return "end of input";
        char c = text.charAt(pos);
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : "U+" + hex4(c);
    }

    private static String hex4(char c) { return String.format("%04X", (int) c); }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("invalid JSON at character " + pos + ": " + what);
    }
}
