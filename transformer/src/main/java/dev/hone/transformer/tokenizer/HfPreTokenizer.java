package dev.hone.transformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code pre_tokenizer} section of a Hugging Face tokenizer.json: splits one normalized text segment into
 * the words the BPE model encodes independently. Supported: Sequence; Split with behavior Isolated or Removed
 * (not inverted) — the GPT-2/Llama-3/Qwen regexes; ByteLevel (optional GPT-2 regex, optional prefix space; maps
 * every word to {@link ByteLevelAlphabet} characters); Metaspace (space → {@code ▁}, prepend scheme
 * always/first/never, optional split before each {@code ▁}). Others are rejected by name.
 */
sealed interface HfPreTokenizer {

    /** GPT-2's word regex, used by ByteLevel with {@code use_regex: true}. */
    String GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** Splits {@code text}; {@code atTextStart} is true for the segment that begins the whole input. */
    List<String> split(String text, boolean atTextStart);

    record Sequence(List<HfPreTokenizer> steps) implements HfPreTokenizer {
        public List<String> split(String text, boolean atTextStart) {
            List<String> words = List.of(text);
            for (HfPreTokenizer step : steps) {
                List<String> next = new ArrayList<>();
                for (int i = 0; i < words.size(); i++) next.addAll(step.split(words.get(i), atTextStart && i == 0));
                words = next;
            }
            return words;
        }
    }

    /** Regex split: matches become words (Isolated) or are dropped (Removed); the text between them stays. */
    record Split(Pattern pattern, boolean keepMatches) implements HfPreTokenizer {
        public List<String> split(String text, boolean atTextStart) { return splitByRegex(pattern, text, keepMatches); }
    }

    record ByteLevel(boolean addPrefixSpace, Pattern wordPattern) implements HfPreTokenizer {
        public List<String> split(String text, boolean atTextStart) {
            if (addPrefixSpace && !text.startsWith(" ")) text = " " + text;
            List<String> words = wordPattern == null ? List.of(text) : splitByRegex(wordPattern, text, true);
            List<String> mapped = new ArrayList<>(words.size());
            for (String word : words) mapped.add(ByteLevelAlphabet.encode(word));
            return mapped;
        }
    }

    record Metaspace(String replacement, PrependScheme prepend, boolean splitWords) implements HfPreTokenizer {
        public List<String> split(String text, boolean atTextStart) {
            String replaced = text.replace(" ", replacement);
            boolean prefix = prepend == PrependScheme.ALWAYS || (prepend == PrependScheme.FIRST && atTextStart);
            if (prefix && !replaced.startsWith(replacement) && !replaced.isEmpty()) replaced = replacement + replaced;
            if (!splitWords) return List.of(replaced);
            List<String> words = new ArrayList<>();
            int start = 0;
            for (int i = replaced.indexOf(replacement, 1); i >= 0; i = replaced.indexOf(replacement, i + 1)) {
                words.add(replaced.substring(start, i));
                start = i;
            }
            words.add(replaced.substring(start));
            words.removeIf(String::isEmpty);
            return words;
        }
    }

    enum PrependScheme { ALWAYS, FIRST, NEVER }

    private static List<String> splitByRegex(Pattern pattern, String text, boolean keepMatches) {
        List<String> words = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) continue;
            if (m.start() > last) words.add(text.substring(last, m.start()));
            if (keepMatches) words.add(m.group());
            last = m.end();
        }
        if (last < text.length()) words.add(text.substring(last));
        return words;
    }

    /** Parses the pre-tokenizer at {@code field}; {@code null} or JSON null means the whole segment is one word. */
    static HfPreTokenizer parse(JsonNode node, String field, String source) {
        if (node == null || node.isNull()) return new Sequence(List.of());
        String type = HfJson.text(node, "type", field, source);
        return switch (type) {
            case "Sequence" -> {
                List<HfPreTokenizer> steps = new ArrayList<>();
                JsonNode list = HfJson.array(node, "pretokenizers", field, source);
                for (int i = 0; i < list.size(); i++) steps.add(parse(list.get(i), field + ".pretokenizers[" + i + "]", source));
                yield new Sequence(List.copyOf(steps));
            }
            case "Split" -> {
                if (node.path("invert").asBoolean(false)) {
                    throw new TokenizerFormatException(source + ": " + field + ".invert=true is not supported");
                }
                String behavior = HfJson.text(node, "behavior", field, source);
                if (!behavior.equals("Isolated") && !behavior.equals("Removed")) {
                    throw new TokenizerFormatException(source + ": " + field + ".behavior '" + behavior
                            + "' is not supported (Isolated, Removed)");
                }
                yield new Split(HfJson.pattern(node.get("pattern"), field + ".pattern", source), behavior.equals("Isolated"));
            }
            case "ByteLevel" -> new ByteLevel(node.path("add_prefix_space").asBoolean(false),
                    node.path("use_regex").asBoolean(true)
                            ? Pattern.compile(GPT2_PATTERN, Pattern.UNICODE_CHARACTER_CLASS) : null);
            case "Metaspace" -> new Metaspace(HfJson.text(node, "replacement", field, source),
                    prependScheme(node, field, source), node.path("split").asBoolean(true));
            default -> throw new TokenizerFormatException(source + ": " + field + ".type '" + type
                    + "' is not a supported pre-tokenizer (Sequence, Split, ByteLevel, Metaspace)");
        };
    }

    private static PrependScheme prependScheme(JsonNode node, String field, String source) {
        if (node.hasNonNull("prepend_scheme")) {
            return switch (node.get("prepend_scheme").asText()) {
                case "always" -> PrependScheme.ALWAYS;
                case "first" -> PrependScheme.FIRST;
                case "never" -> PrependScheme.NEVER;
                default -> throw new TokenizerFormatException(source + ": " + field + ".prepend_scheme '"
                        + node.get("prepend_scheme").asText() + "' is unknown (always, first, never)");
            };
        }
        return node.path("add_prefix_space").asBoolean(true) ? PrependScheme.ALWAYS : PrependScheme.NEVER;
    }
}
