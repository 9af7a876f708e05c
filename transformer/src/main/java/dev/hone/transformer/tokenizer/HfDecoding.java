package dev.hone.transformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code decoder} section of a Hugging Face tokenizer.json, reduced to what a token contributes on its own so
 * that decoding can stream: ByteLevel (characters → bytes by {@link ByteLevelAlphabet}), or piece text with
 * String Replace steps (e.g. {@code ▁} → space), ByteFallback ({@code <0xXX>} → one raw byte), Fuse (no effect on
 * bytes), Strip of leading spaces (applied to the first token of a document, where the Rust crate applies it to
 * the fused text) and Metaspace. Other decoders are rejected by name.
 *
 * @param byteLevel     tokens are spelled in the byte-level alphabet
 * @param byteFallback  {@code <0xXX>} tokens stand for one byte
 * @param replacements  (from, to) string replacements applied in order
 * @param leadingSpacesToStrip spaces removed from the start of the first token of a document
 */
record HfDecoding(boolean byteLevel, boolean byteFallback, List<String[]> replacements, int leadingSpacesToStrip) {

    byte[] bytes(String token, Tokenizer.TokenPosition position) {
        if (byteFallback) {
            var b = ScoredVocabulary.byteValue(token);
            if (b.isPresent()) return new byte[] {(byte) b.getAsInt()};
        }
        if (byteLevel) {
            byte[] raw = ByteLevelAlphabet.decode(token);
            if (raw != null) return raw;
        }
        String text = token;
        for (String[] r : replacements) text = text.replace(r[0], r[1]);
        if (position == Tokenizer.TokenPosition.FIRST) {
            int strip = 0;
            while (strip < leadingSpacesToStrip && strip < text.length() && text.charAt(strip) == ' ') strip++;
            text = text.substring(strip);
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static HfDecoding parse(JsonNode node, String source) {
        Builder builder = new Builder();
        if (node != null && !node.isNull()) builder.add(node, "decoder", source);
        return new HfDecoding(builder.byteLevel, builder.byteFallback, List.copyOf(builder.replacements), builder.strip);
    }

    private static final class Builder {
        boolean byteLevel, byteFallback;
        final List<String[]> replacements = new ArrayList<>();
        int strip;

        void add(JsonNode node, String field, String source) {
            String type = HfJson.text(node, "type", field, source);
            switch (type) {
                case "Sequence" -> {
                    JsonNode list = HfJson.array(node, "decoders", field, source);
                    for (int i = 0; i < list.size(); i++) add(list.get(i), field + ".decoders[" + i + "]", source);
                }
                case "ByteLevel" -> byteLevel = true;
                case "ByteFallback" -> byteFallback = true;
                case "Fuse" -> { }
                case "Replace" -> {
                    JsonNode pattern = node.get("pattern");
                    if (pattern == null || !pattern.hasNonNull("String")) {
                        throw new TokenizerFormatException(source + ": " + field + ".pattern must be a String pattern");
                    }
                    replacements.add(new String[] {pattern.get("String").asText(), HfJson.text(node, "content", field, source)});
                }
                case "Strip" -> {
                    if (!node.path("content").asText(" ").equals(" ") || node.path("stop").asInt(0) != 0) {
                        throw new TokenizerFormatException(source + ": " + field
                                + " strips something other than leading spaces, which is not supported");
                    }
                    strip = node.path("start").asInt(0);
                }
                case "Metaspace" -> {
                    replacements.add(new String[] {HfJson.text(node, "replacement", field, source), " "});
                    boolean prepends = node.hasNonNull("prepend_scheme")
                            ? !node.get("prepend_scheme").asText().equals("never")
                            : node.path("add_prefix_space").asBoolean(true);
                    if (prepends) strip = 1;
                }
                default -> throw new TokenizerFormatException(source + ": " + field + ".type '" + type
                        + "' is not a supported decoder (Sequence, ByteLevel, ByteFallback, Fuse, Replace, Strip, Metaspace)");
            }
        }
    }
}
