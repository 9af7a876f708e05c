package dev.hone.transformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code normalizer} section of a Hugging Face tokenizer.json, applied to each text segment between added
 * tokens before pre-tokenization. Supported types: Sequence, Replace (String or Regex pattern), Prepend (only to
 * non-empty text, as the Rust crate), NFC, NFD, NFKC, NFKD, Lowercase, Strip. Others are rejected by name.
 */
sealed interface HfNormalizer {

    String apply(String text);

    record Sequence(List<HfNormalizer> steps) implements HfNormalizer {
        public String apply(String text) {
            for (HfNormalizer step : steps) text = step.apply(text);
            return text;
        }
    }

    record Replace(Pattern pattern, String content) implements HfNormalizer {
        public String apply(String text) { return pattern.matcher(text).replaceAll(Matcher.quoteReplacement(content)); }
    }

    record Prepend(String prefix) implements HfNormalizer {
        public String apply(String text) { return text.isEmpty() ? text : prefix + text; }
    }

    record Unicode(Normalizer.Form form) implements HfNormalizer {
        public String apply(String text) { return Normalizer.normalize(text, form); }
    }

    record Lowercase() implements HfNormalizer {
        public String apply(String text) { return text.toLowerCase(Locale.ROOT); }
    }

    record Strip(boolean left, boolean right) implements HfNormalizer {
        public String apply(String text) {
            int start = 0, end = text.length();
            if (left) while (start < end && Character.isWhitespace(text.charAt(start))) start++;
            if (right) while (end > start && Character.isWhitespace(text.charAt(end - 1))) end--;
            return text.substring(start, end);
        }
    }

    /** Parses the normalizer at {@code field} of {@code source}; {@code null} or JSON null means none. */
    static HfNormalizer parse(JsonNode node, String field, String source) {
        if (node == null || node.isNull()) return new Sequence(List.of());
        String type = HfJson.text(node, "type", field, source);
        return switch (type) {
            case "Sequence" -> {
                List<HfNormalizer> steps = new ArrayList<>();
                JsonNode list = HfJson.array(node, "normalizers", field, source);
                for (int i = 0; i < list.size(); i++) steps.add(parse(list.get(i), field + ".normalizers[" + i + "]", source));
                yield new Sequence(List.copyOf(steps));
            }
            case "Replace" -> new Replace(HfJson.pattern(node.get("pattern"), field + ".pattern", source),
                    HfJson.text(node, "content", field, source));
            case "Prepend" -> new Prepend(HfJson.text(node, "prepend", field, source));
            case "NFC" -> new Unicode(Normalizer.Form.NFC);
            case "NFD" -> new Unicode(Normalizer.Form.NFD);
            case "NFKC" -> new Unicode(Normalizer.Form.NFKC);
            case "NFKD" -> new Unicode(Normalizer.Form.NFKD);
            case "Lowercase" -> new Lowercase();
            case "Strip" -> new Strip(node.path("strip_left").asBoolean(false), node.path("strip_right").asBoolean(false));
            default -> throw new TokenizerFormatException(source + ": " + field + ".type '" + type
                    + "' is not a supported normalizer (Sequence, Replace, Prepend, NFC, NFD, NFKC, NFKD, Lowercase, Strip)");
        };
    }
}
