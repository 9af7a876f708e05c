package dev.hone.tensor.io;

import dev.hone.tensor.io.JsonValue.JsonArray;
import dev.hone.tensor.io.JsonValue.JsonBoolean;
import dev.hone.tensor.io.JsonValue.JsonNull;
import dev.hone.tensor.io.JsonValue.JsonNumber;
import dev.hone.tensor.io.JsonValue.JsonObject;
import dev.hone.tensor.io.JsonValue.JsonString;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The strict JSON grammar of RFC 8259 as the header parser applies it: what is accepted parses to the
 * expected values (escapes, surrogate pairs, numbers kept as literals, member order), and every listed
 * deviation is refused with the character position.
 */
class JsonParserTest {

    @Test
    void parsesEveryValueKindKeepingOrderAndLiterals() {
        JsonValue v = JsonParser.parse(" {\"b\":[1,-0.5e+3,0],\"a\":{\"t\":true,\"f\":false,\"n\":null},\"s\":\"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}   ");
        JsonObject o = (JsonObject) v;
        assertThat(o.members().keySet()).containsExactly("b", "a", "s");
        assertThat(((JsonArray) o.members().get("b")).elements())
                .containsExactly(new JsonNumber("1"), new JsonNumber("-0.5e+3"), new JsonNumber("0"));
        JsonObject a = (JsonObject) o.members().get("a");
        assertThat(a.members().get("t")).isEqualTo(new JsonBoolean(true));
        assertThat(a.members().get("f")).isEqualTo(new JsonBoolean(false));
        assertThat(a.members().get("n")).isEqualTo(JsonNull.INSTANCE);
        assertThat(o.members().get("s")).isEqualTo(new JsonString("x\"\\/\b\f\n\r\té\uD83D\uDE00"));
        assertThat(new JsonNumber("12").isInteger()).isTrue();
        assertThat(new JsonNumber("1E2").isInteger()).isFalse();
        assertThat(JsonParser.parse("[]")).isEqualTo(new JsonArray(List.of()));
    }

    @Test
    void refusesEverythingOutsideTheGrammar() {
        for (String bad : List.of("", " ", "{", "{\"a\"}", "{\"a\":1,}", "[1,]", "[1 2]", "{'a':1}", "{a:1}", "01", "-", "1.", ".5", "1e",
                "+1", "NaN", "Infinity", "tru", "nul", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00x\"", "\"a\nb\"", "\"open",
                "/*c*/{}", "{} {}", "{\"a\":1,\"a\":2}")) {
            assertThatThrownBy(() -> JsonParser.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("invalid JSON at character");
        }
    }

    @Test
    void limitsNestingAndRejectsMalformedUtf8() {
        String deep = "[".repeat(JsonParser.MAX_DEPTH) + "]".repeat(JsonParser.MAX_DEPTH);
        assertThat(JsonParser.parse(deep)).isInstanceOf(JsonArray.class);
        assertThatThrownBy(() -> JsonParser.parse("[" + deep + "]")).hasMessageContaining("nesting deeper than 64");
        assertThatThrownBy(() -> JsonParser.decodeUtf8(new byte[] {'"', (byte) 0xc3, '"'})).hasMessageContaining("not valid UTF-8");
        assertThatThrownBy(() -> JsonParser.decodeUtf8(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80})).hasMessageContaining("not valid UTF-8");
        assertThat(JsonParser.decodeUtf8(new byte[] {(byte) 0xc3, (byte) 0xa9})).isEqualTo("é");
    }
}
