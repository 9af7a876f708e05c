package dev.hone.transformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code model} section of a Hugging Face tokenizer.json when {@code type} is {@code BPE}: a vocabulary and
 * ranked merges (as {@code "a b"} strings or {@code ["a","b"]} pairs). A word is split into code points (each
 * missing one becomes {@code <0xXX>} byte tokens with {@code byte_fallback}, else {@code unk_token}, fused when
 * {@code fuse_unk}); then adjacent pairs merge lowest rank first ({@link PairMerger}). With {@code ignore_merges}
 * (Llama 3) a word already in the vocabulary is one token. Immutable apart from a bounded, thread-safe word cache.
 */
final class HfBpeModel {
    private static final int CACHE_LIMIT = 50_000;

    private final Map<String, Integer> vocab;
    private final Map<Long, PairMerger.Merge> merges;
    private final boolean byteFallback, ignoreMerges, fuseUnknown;
    private final int unknownId;
    private final String source;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private HfBpeModel(Map<String, Integer> vocab, Map<Long, PairMerger.Merge> merges, boolean byteFallback,
                       boolean ignoreMerges, boolean fuseUnknown, int unknownId, String source) {
        this.vocab = vocab;
        this.merges = merges;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.fuseUnknown = fuseUnknown;
        this.unknownId = unknownId;
        this.source = source;
    }

    Map<String, Integer> vocab() { return vocab; }

    static HfBpeModel parse(JsonNode model, String source) {
        if (model == null || !model.isObject()) throw new TokenizerFormatException(source + ": 'model' is missing");
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) {
            throw new TokenizerFormatException(source + ": model.type '" + type + "' is not supported (only BPE)");
        }
        for (String unsupported : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (model.hasNonNull(unsupported) && !model.get(unsupported).asText().isEmpty()) {
                throw new TokenizerFormatException(source + ": model." + unsupported + " is not supported");
            }
        }
        if (model.hasNonNull("dropout") && model.get("dropout").asDouble() > 0) {
            throw new TokenizerFormatException(source + ": model.dropout > 0 is not supported");
        }
        JsonNode vocabNode = HfJson.object(model, "vocab", "model", source);
        Map<String, Integer> vocab = HashMap.newHashMap(vocabNode.size());
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw new TokenizerFormatException(source + ": model.vocab['" + e.getKey() + "'] is not a non-negative id");
            }
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        JsonNode mergeList = model.has("merges") ? HfJson.array(model, "merges", "model", source) : null;
        Map<Long, PairMerger.Merge> merges = HashMap.newHashMap(mergeList == null ? 0 : mergeList.size());
        for (int rank = 0; mergeList != null && rank < mergeList.size(); rank++) {
            String[] pair = mergePair(mergeList.get(rank), rank, source);
            int left = idOf(vocab, pair[0], rank, source), right = idOf(vocab, pair[1], rank, source);
            int merged = idOf(vocab, pair[0] + pair[1], rank, source);
            merges.putIfAbsent(key(left, right), new PairMerger.Merge(merged, rank));
        }
        int unknownId = -1;
        if (model.hasNonNull("unk_token")) {
            Integer id = vocab.get(model.get("unk_token").asText());
            if (id == null) {
                throw new TokenizerFormatException(source + ": model.unk_token '" + model.get("unk_token").asText()
                        + "' is not in model.vocab");
            }
            unknownId = id;
        }
        return new HfBpeModel(vocab, merges, model.path("byte_fallback").asBoolean(false),
                model.path("ignore_merges").asBoolean(false), model.path("fuse_unk").asBoolean(false), unknownId, source);
    }

    private static String[] mergePair(JsonNode merge, int rank, String source) {
        if (merge.isTextual()) {
            String[] parts = merge.asText().split(" ", -1);
            if (parts.length == 2) return parts;
        } else if (merge.isArray() && merge.size() == 2 && merge.get(0).isTextual() && merge.get(1).isTextual()) {
            return new String[] {merge.get(0).asText(), merge.get(1).asText()};
        }
        throw new TokenizerFormatException(source + ": model.merges[" + rank + "] = " + merge
                + " is neither \"a b\" nor [\"a\", \"b\"]");
    }

    private static int idOf(Map<String, Integer> vocab, String token, int rank, String source) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new TokenizerFormatException(source + ": model.merges[" + rank + "] refers to '" + token
                    + "', which is not in model.vocab");
        }
        return id;
    }

    private static long key(int left, int right) { return ((long) left << 32) | (right & 0xffffffffL); }

    /** Token ids of one pre-tokenized word. */
    int[] encodeWord(String word) {
        int[] cached = cache.get(word);
        if (cached != null) return cached;
        int[] ids = encodeUncached(word);
        if (cache.size() < CACHE_LIMIT) cache.put(word, ids);
        return ids;
    }

    private int[] encodeUncached(String word) {
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) return new int[] {whole};
        }
        IntList symbols = new IntList(word.length());
        boolean previousUnknown = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            String ch = word.substring(i, i + Character.charCount(cp));
            i += ch.length();
            Integer id = vocab.get(ch);
            if (id == null && byteFallback) {
                byte[] bytes = ch.getBytes(StandardCharsets.UTF_8);
                int[] byteIds = new int[bytes.length];
                boolean all = true;
                for (int b = 0; b < bytes.length && all; b++) {
                    Integer byteId = vocab.get(String.format("<0x%02X>", bytes[b] & 0xff));
                    all = byteId != null;
                    if (all) byteIds[b] = byteId;
                }
                if (all) {
                    symbols.addAll(byteIds);
                    previousUnknown = false;
                    continue;
                }
            }
            if (id == null) {
                if (unknownId < 0) {
                    throw new IllegalArgumentException("encode: character '" + ch + "' is not in the vocabulary of "
                            + source + ", which has no unk_token and no byte fallback");
                }
                if (!(fuseUnknown && previousUnknown)) symbols.add(unknownId);
                previousUnknown = true;
                continue;
            }
            symbols.add(id);
            previousUnknown = false;
        }
        return PairMerger.merge(symbols.toArray(), (left, right) -> merges.get(key(left, right)));
    }
}
