package dev.hone.transformer.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} (the {@code tokenizers} crate's serialization) with a BPE model: added
 * tokens are split out of the raw text first, each remaining text piece is normalized ({@link HfNormalizer}),
 * pre-tokenized ({@link HfPreTokenizer}) and BPE-encoded word by word ({@link HfBpeModel}). Covers SentencePiece-
 * style byte-fallback BPE (Llama 2, Mistral, TinyLlama) and byte-level BPE (GPT-2, Llama 3, Qwen2/3). BOS and EOS
 * come from a {@code tokenizer_config.json} beside the file when present, else from the post-processor's template
 * and well-known token names. Immutable and thread-safe.
 */
public final class HfTokenizer implements Tokenizer {
    private static final List<String> BOS_NAMES = List.of("<s>", "<|begin_of_text|>", "<|startoftext|>");
    private static final List<String> EOS_NAMES = List.of("</s>", "<|end_of_text|>", "<|endoftext|>");

    private final HfNormalizer normalizer;
    private final HfPreTokenizer preTokenizer;
    private final HfBpeModel model;
    private final AddedTokenSplitter splitter;
    private final HfDecoding decoding;
    private final String[] tokens;
    private final boolean[] special;
    private final Map<String, Integer> addedByContent;
    private final int bosId, eosId;
    private final String source;

    private HfTokenizer(JsonNode root, JsonNode config, String source) {
        this.source = source;
        this.model = HfBpeModel.parse(root.get("model"), source);
        this.normalizer = HfNormalizer.parse(root.get("normalizer"), "normalizer", source);
        this.preTokenizer = HfPreTokenizer.parse(root.get("pre_tokenizer"), "pre_tokenizer", source);
        this.decoding = HfDecoding.parse(root.get("decoder"), source);
        List<AddedToken> added = parseAddedTokens(root.get("added_tokens"), source);
        this.splitter = new AddedTokenSplitter(added);
        int size = 0;
        for (int id : model.vocab().values()) size = Math.max(size, id + 1);
        for (AddedToken t : added) size = Math.max(size, t.id() + 1);
        this.tokens = new String[size];
        this.special = new boolean[size];
        model.vocab().forEach((token, id) -> tokens[id] = token);
        Map<String, Integer> byContent = new LinkedHashMap<>();
        for (AddedToken t : added) {
            tokens[t.id()] = t.content();
            special[t.id()] = t.special();
            byContent.put(t.content(), t.id());
        }
        this.addedByContent = Collections.unmodifiableMap(byContent);
        this.bosId = specialId(config, "bos_token", root, BOS_NAMES, true);
        this.eosId = specialId(config, "eos_token", root, EOS_NAMES, false);
    }

    /** Loads {@code tokenizerJson}, reading {@code tokenizer_config.json} from the same folder if it exists. */
    public static HfTokenizer load(Path tokenizerJson) {
        JsonNode root = readJson(tokenizerJson);
        Path configPath = tokenizerJson.resolveSibling("tokenizer_config.json");
        JsonNode config = Files.isRegularFile(configPath) ? readJson(configPath) : null;
        return new HfTokenizer(root, config, tokenizerJson.toString());
    }

    /** Parses tokenizer.json text; {@code config} is tokenizer_config.json text or {@code null}. */
    public static HfTokenizer parse(String tokenizerJson, String config, String source) {
        return new HfTokenizer(readJson(tokenizerJson, source), config == null ? null : readJson(config, source + " (config)"), source);
    }

    private static JsonNode readJson(Path file) {
        try {
            return readJson(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }

    private static JsonNode readJson(String text, String source) {
        try {
            JsonNode node = new ObjectMapper().readTree(text);
            if (node == null || !node.isObject()) throw new TokenizerFormatException(source + ": not a JSON object");
            return node;
        } catch (JsonProcessingException e) {
            throw new TokenizerFormatException(source + ": bad JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static List<AddedToken> parseAddedTokens(JsonNode list, String source) {
        List<AddedToken> added = new ArrayList<>();
        if (list == null || list.isNull()) return added;
        if (!list.isArray()) throw new TokenizerFormatException(source + ": added_tokens is not an array");
        for (int i = 0; i < list.size(); i++) {
            JsonNode t = list.get(i);
            String field = "added_tokens[" + i + "]";
            if (!t.path("id").canConvertToInt()) throw new TokenizerFormatException(source + ": " + field + ".id is missing");
            added.add(new AddedToken(t.get("id").asInt(), HfJson.text(t, "content", field, source),
                    t.path("special").asBoolean(false), t.path("lstrip").asBoolean(false),
                    t.path("rstrip").asBoolean(false), t.path("single_word").asBoolean(false)));
        }
        return added;
    }

    private int specialId(JsonNode config, String key, JsonNode root, List<String> wellKnown, boolean fromTemplate) {
        if (config != null && config.hasNonNull(key)) {
            JsonNode value = config.get(key);
            String content = value.isTextual() ? value.asText() : value.path("content").asText();
            OptionalInt id = tokenToId(content);
            if (id.isEmpty()) {
                throw new TokenizerFormatException(source + ": tokenizer_config.json " + key + " '" + content
                        + "' is not in the vocabulary");
            }
            return id.getAsInt();
        }
        if (fromTemplate) {
            JsonNode single = root.path("post_processor").path("single");
            if (single.isArray() && !single.isEmpty() && single.get(0).has("SpecialToken")) {
                OptionalInt id = tokenToId(single.get(0).get("SpecialToken").path("id").asText());
                if (id.isPresent()) return id.getAsInt();
            }
        }
        for (String name : wellKnown) {
            Integer id = addedByContent.get(name);
            if (id != null) return id;
        }
        return -1;
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        IntList ids = new IntList(text.length() / 3 + 2);
        if (addBos && bosId >= 0) ids.add(bosId);
        for (AddedTokenSplitter.Piece piece : splitter.split(text)) {
            switch (piece) {
                case AddedTokenSplitter.Token token -> ids.add(token.id());
                case AddedTokenSplitter.Text segment -> {
                    String normalized = normalizer.apply(segment.text());
                    for (String word : preTokenizer.split(normalized, segment.start() == 0)) {
                        if (!word.isEmpty()) ids.addAll(model.encodeWord(word));
                    }
                }
            }
        }
        return ids.toArray();
    }

    @Override
    public byte[] tokenBytes(int id, TokenPosition position) {
        checkId(id);
        if (special[id]) return new byte[0];
        if (addedByContent.containsKey(tokens[id]) && addedByContent.get(tokens[id]) == id) {
            return tokens[id].getBytes(StandardCharsets.UTF_8);
        }
        return decoding.bytes(tokens[id], position);
    }

    @Override
    public int vocabSize() { return tokens.length; }

    @Override
    public OptionalInt bosId() { return bosId >= 0 ? OptionalInt.of(bosId) : OptionalInt.empty(); }

    @Override
    public OptionalInt eosId() { return eosId >= 0 ? OptionalInt.of(eosId) : OptionalInt.empty(); }

    @Override
    public OptionalInt tokenToId(String token) {
        Integer id = addedByContent.get(token);
        if (id == null) id = model.vocab().get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public String idToToken(int id) {
        checkId(id);
        if (tokens[id] == null) throw new IndexOutOfBoundsException("token id " + id + " is unused in " + source);
        return tokens[id];
    }

    @Override
    public Map<String, Integer> specialTokens() { return addedByContent; }

    @Override
    public boolean isSpecial(int id) {
        checkId(id);
        return special[id];
    }

    private void checkId(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new IndexOutOfBoundsException("token id " + id + " outside vocabulary [0, " + tokens.length + ") of " + source);
        }
    }
}
