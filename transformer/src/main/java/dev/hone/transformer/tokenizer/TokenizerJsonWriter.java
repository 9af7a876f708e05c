package dev.hone.transformer.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Writes a SentencePiece-style vocabulary (llama2.c tokenizer.bin or a BPE .model) as a Hugging Face
 * {@code tokenizer.json} + {@code tokenizer_config.json} that tokenizes identically, in the layout transformers'
 * LlamaConverter produces: BPE with byte fallback, normalizer Prepend {@code ▁} + Replace space → {@code ▁}
 * (preceded, for SentencePiece's {@code remove_extra_whitespaces}, by regex Replaces that drop leading/trailing
 * spaces and collapse runs), TemplateProcessing adding BOS, decoder Replace/ByteFallback/Fuse/Strip.
 *
 * <p>Merges: every split of a normal piece into two normal pieces, ranked by the merged piece's score (descending),
 * then id, then split position — so "lowest rank first" picks what "highest score first" picks in
 * {@link SentencePieceBpeTokenizer}.
 */
public final class TokenizerJsonWriter {
    private static final String MARKER = "\u2581";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private TokenizerJsonWriter() {}

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code folder} (created if needed). */
    public static void write(ScoredVocabulary vocabulary, Path folder) {
        try {
            Files.createDirectories(folder);
            ObjectMapper mapper = new ObjectMapper();
            mapper.writerWithDefaultPrettyPrinter().writeValue(folder.resolve("tokenizer.json").toFile(), tokenizerJson(vocabulary));
            mapper.writerWithDefaultPrettyPrinter().writeValue(folder.resolve("tokenizer_config.json").toFile(), tokenizerConfig(vocabulary));
        } catch (IOException e) {
            throw new UncheckedIOException("writing tokenizer.json for " + vocabulary.source() + " into " + folder, e);
        }
    }

    static ObjectNode tokenizerJson(ScoredVocabulary vocabulary) {
        ObjectNode root = JSON.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < vocabulary.size(); id++) {
            ScoredVocabulary.PieceKind kind = vocabulary.kinds()[id];
            if (kind != ScoredVocabulary.PieceKind.CONTROL && kind != ScoredVocabulary.PieceKind.UNKNOWN) continue;
            added.addObject().put("id", id).put("content", vocabulary.pieces().get(id)).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.set("normalizer", normalizer(vocabulary.whitespace()));
        root.putNull("pre_tokenizer");
        root.set("post_processor", postProcessor(vocabulary));
        root.set("decoder", decoder());
        root.set("model", model(vocabulary));
        return root;
    }

    private static ObjectNode normalizer(ScoredVocabulary.Whitespace whitespace) {
        ObjectNode sequence = JSON.objectNode().put("type", "Sequence");
        ArrayNode steps = sequence.putArray("normalizers");
        if (whitespace == ScoredVocabulary.Whitespace.COLLAPSE) {
            steps.add(regexReplace("^ +", ""));
            steps.add(regexReplace(" +$", ""));
            steps.add(regexReplace(" {2,}", " "));
        }
        steps.addObject().put("type", "Prepend").put("prepend", MARKER);
        ObjectNode replace = steps.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", MARKER);
        return sequence;
    }

    private static ObjectNode regexReplace(String regex, String content) {
        ObjectNode replace = JSON.objectNode().put("type", "Replace");
        replace.putObject("pattern").put("Regex", regex);
        return replace.put("content", content);
    }

    private static ObjectNode postProcessor(ScoredVocabulary vocabulary) {
        ObjectNode template = JSON.objectNode().put("type", "TemplateProcessing");
        if (vocabulary.bosId() < 0) {
            template.putArray("single").addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            template.putArray("pair").addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            template.putObject("special_tokens");
            return template;
        }
        String bos = vocabulary.pieces().get(vocabulary.bosId());
        ArrayNode single = template.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = template.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode entry = template.putObject("special_tokens").putObject(bos).put("id", bos);
        entry.putArray("ids").add(vocabulary.bosId());
        entry.putArray("tokens").add(bos);
        return template;
    }

    private static ObjectNode decoder() {
        ObjectNode sequence = JSON.objectNode().put("type", "Sequence");
        ArrayNode steps = sequence.putArray("decoders");
        ObjectNode replace = steps.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", MARKER);
        replace.put("content", " ");
        steps.addObject().put("type", "ByteFallback");
        steps.addObject().put("type", "Fuse");
        steps.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        return sequence;
    }

    private static ObjectNode model(ScoredVocabulary vocabulary) {
        ObjectNode model = JSON.objectNode().put("type", "BPE");
        model.putNull("dropout");
        int unknown = -1;
        for (int id = 0; id < vocabulary.size(); id++) {
            if (vocabulary.kinds()[id] == ScoredVocabulary.PieceKind.UNKNOWN) unknown = id;
        }
        if (unknown >= 0) model.put("unk_token", vocabulary.pieces().get(unknown));
        else model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < vocabulary.size(); id++) vocab.put(spelling(vocabulary, id), id);
        ArrayNode merges = model.putArray("merges");
        for (String[] merge : merges(vocabulary)) merges.addArray().add(merge[0]).add(merge[1]);
        return model;
    }

    private static String spelling(ScoredVocabulary vocabulary, int id) {
        ScoredVocabulary.PieceKind kind = vocabulary.kinds()[id];
        String piece = vocabulary.pieces().get(id);
        return kind == ScoredVocabulary.PieceKind.NORMAL || kind == ScoredVocabulary.PieceKind.UNUSED
                ? piece.replace(" ", MARKER) : piece;
    }

    /** All (left, right) splits of mergeable pieces into two mergeable pieces, best merge first. */
    static List<String[]> merges(ScoredVocabulary vocabulary) {
        Map<String, Integer> index = vocabulary.index();
        record Candidate(int merged, int splitAt, String left, String right) {}
        List<Candidate> candidates = new ArrayList<>();
        for (int id = 0; id < vocabulary.size(); id++) {
            if (!mergeable(vocabulary, id)) continue;
            String piece = vocabulary.pieces().get(id);
            for (int at = piece.offsetByCodePoints(0, 1); at < piece.length(); at = piece.offsetByCodePoints(at, 1)) {
                Integer left = index.get(piece.substring(0, at)), right = index.get(piece.substring(at));
                if (left != null && right != null && mergeable(vocabulary, left) && mergeable(vocabulary, right)) {
                    candidates.add(new Candidate(id, at, spelling(vocabulary, left), spelling(vocabulary, right)));
                }
            }
        }
        candidates.sort(Comparator.comparingDouble((Candidate c) -> -vocabulary.scores()[c.merged])
                .thenComparingInt(Candidate::merged).thenComparingInt(Candidate::splitAt));
        List<String[]> out = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) out.add(new String[] {c.left, c.right});
        return out;
    }

    private static boolean mergeable(ScoredVocabulary vocabulary, int id) {
        ScoredVocabulary.PieceKind kind = vocabulary.kinds()[id];
        return kind == ScoredVocabulary.PieceKind.NORMAL || kind == ScoredVocabulary.PieceKind.UNUSED;
    }

    private static ObjectNode tokenizerConfig(ScoredVocabulary vocabulary) {
        ObjectNode config = JSON.objectNode();
        config.put("tokenizer_class", "LlamaTokenizer");
        config.put("add_bos_token", vocabulary.bosId() >= 0);
        config.put("add_eos_token", false);
        putToken(config, "bos_token", vocabulary, vocabulary.bosId());
        putToken(config, "eos_token", vocabulary, vocabulary.eosId());
        for (int id = 0; id < vocabulary.size(); id++) {
            if (vocabulary.kinds()[id] == ScoredVocabulary.PieceKind.UNKNOWN) putToken(config, "unk_token", vocabulary, id);
        }
        config.put("clean_up_tokenization_spaces", false);
        config.put("legacy", true);
        return config;
    }

    private static void putToken(ObjectNode config, String key, ScoredVocabulary vocabulary, int id) {
        if (id >= 0) config.put(key, vocabulary.pieces().get(id));
        else config.putNull(key);
    }
}
