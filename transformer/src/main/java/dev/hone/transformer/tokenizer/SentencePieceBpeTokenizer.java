package dev.hone.transformer.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * SentencePiece BPE with byte fallback, as llama2.c run.c {@code encode}/{@code decode} implement it for
 * tokenizer.bin and as {@code spm_encode} does for a BPE {@code .model}: optional whitespace normalization
 * ({@link ScoredVocabulary.Whitespace}), a dummy-prefix space before non-empty text, one symbol per Unicode code
 * point found in the vocabulary, otherwise one {@code <0xXX>} symbol per UTF-8 byte, then greedy merges of the
 * adjacent pair whose concatenation is the highest-scoring piece (leftmost on ties). Decoding maps {@code <0xXX>}
 * to raw bytes and drops the leading space of the first piece of a document (run.c: after BOS). Control and
 * unknown pieces are special. Immutable.
 */
public final class SentencePieceBpeTokenizer implements Tokenizer {
    private static final char MARKER = '\u2581';

    private final ScoredVocabulary vocabulary;
    private final Map<String, Integer> mergeableIds;
    private final int[] byteIds = new int[256];
    private final int unknownId;
    private final Map<String, Integer> specials;

    public SentencePieceBpeTokenizer(ScoredVocabulary vocabulary) {
        this.vocabulary = vocabulary;
        Map<String, Integer> index = vocabulary.index();
        this.mergeableIds = new java.util.HashMap<>(index);
        Map<String, Integer> specialMap = new LinkedHashMap<>();
        int unknown = -1;
        java.util.Arrays.fill(byteIds, -1);
        for (int id = 0; id < vocabulary.size(); id++) {
            String piece = vocabulary.pieces().get(id);
            switch (vocabulary.kinds()[id]) {
                case UNKNOWN -> { unknown = id; specialMap.put(piece, id); mergeableIds.remove(piece); }
                case CONTROL -> { specialMap.put(piece, id); mergeableIds.remove(piece); }
                case BYTE -> { byteIds[ScoredVocabulary.byteValue(piece).orElseThrow()] = id; mergeableIds.remove(piece); }
                case USER_DEFINED -> throw new TokenizerFormatException(vocabulary.source() + ": piece " + id + " '"
                        + piece + "' is USER_DEFINED, which this tokenizer does not support");
                case NORMAL, UNUSED -> { }
            }
        }
        this.unknownId = unknown;
        this.specials = Collections.unmodifiableMap(specialMap);
    }

    /** A llama2.c tokenizer.bin encoded exactly as run.c does (spaces kept as written). */
    public static SentencePieceBpeTokenizer fromLlama2cFile(java.nio.file.Path file) {
        return new SentencePieceBpeTokenizer(Llama2cTokenizerFile.read(file, ScoredVocabulary.Whitespace.KEEP));
    }

    /** A SentencePiece BPE .model encoded as spm_encode does. */
    public static SentencePieceBpeTokenizer fromSentencePieceModel(java.nio.file.Path file) {
        return new SentencePieceBpeTokenizer(SentencePieceModelFile.read(file));
    }

    public ScoredVocabulary vocabulary() { return vocabulary; }

    @Override
    public int[] encode(String text, boolean addBos) {
        String normalized = vocabulary.whitespace() == ScoredVocabulary.Whitespace.COLLAPSE ? collapseSpaces(text) : text;
        IntList symbols = new IntList(normalized.length() + 2);
        if (!normalized.isEmpty()) appendCodePoint(symbols, " ");
        normalized.codePoints().forEach(cp -> appendCodePoint(symbols, Character.toString(cp)));
        int[] merged = PairMerger.merge(symbols.toArray(), this::findMerge);
        if (!addBos || vocabulary.bosId() < 0) return merged;
        int[] withBos = new int[merged.length + 1];
        withBos[0] = vocabulary.bosId();
        System.arraycopy(merged, 0, withBos, 1, merged.length);
        return withBos;
    }

    private void appendCodePoint(IntList symbols, String codePoint) {
        Integer id = mergeableIds.get(codePoint);
        if (id != null) {
            symbols.add(id);
            return;
        }
        for (byte b : codePoint.getBytes(StandardCharsets.UTF_8)) {
            int byteId = byteIds[b & 0xff];
            if (byteId < 0 && unknownId < 0) {
                throw new IllegalArgumentException("encode: '" + codePoint + "' is neither in the vocabulary of "
                        + vocabulary.source() + " nor representable by byte fallback, and there is no <unk>");
            }
            symbols.add(byteId >= 0 ? byteId : unknownId);
            if (byteId < 0) return;
        }
    }

    private PairMerger.Merge findMerge(int left, int right) {
        Integer merged = mergeableIds.get(vocabulary.pieces().get(left) + vocabulary.pieces().get(right));
        return merged == null ? null : new PairMerger.Merge(merged, -vocabulary.scores()[merged]);
    }

    /** SentencePiece {@code remove_extra_whitespaces}: strip leading/trailing spaces and collapse runs to one. */
    static String collapseSpaces(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean previousSpace = true;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ' && previousSpace) continue;
            out.append(c);
            previousSpace = c == ' ';
        }
        int end = out.length();
        while (end > 0 && out.charAt(end - 1) == ' ') end--;
        out.setLength(end);
        return out.toString();
    }

    @Override
    public byte[] tokenBytes(int id, TokenPosition position) {
        checkId(id);
        return switch (vocabulary.kinds()[id]) {
            case CONTROL, UNKNOWN -> new byte[0];
            case BYTE -> new byte[] {(byte) ScoredVocabulary.byteValue(vocabulary.pieces().get(id)).orElseThrow()};
            case NORMAL, UNUSED, USER_DEFINED -> {
                String piece = vocabulary.pieces().get(id);
                if (position == TokenPosition.FIRST && piece.startsWith(" ")) piece = piece.substring(1);
                yield piece.getBytes(StandardCharsets.UTF_8);
            }
        };
    }

    @Override
    public int vocabSize() { return vocabulary.size(); }

    @Override
    public OptionalInt bosId() { return vocabulary.bosId() >= 0 ? OptionalInt.of(vocabulary.bosId()) : OptionalInt.empty(); }

    @Override
    public OptionalInt eosId() { return vocabulary.eosId() >= 0 ? OptionalInt.of(vocabulary.eosId()) : OptionalInt.empty(); }

    @Override
    public OptionalInt tokenToId(String token) {
        String surface = token.replace(MARKER, ' ');
        Integer id = specials.get(surface);
        if (id == null) id = mergeableIds.get(surface);
        if (id == null) {
            OptionalInt b = ScoredVocabulary.byteValue(token);
            if (b.isPresent() && byteIds[b.getAsInt()] >= 0) return OptionalInt.of(byteIds[b.getAsInt()]);
        }
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public String idToToken(int id) {
        checkId(id);
        return vocabulary.pieces().get(id).replace(' ', MARKER);
    }

    @Override
    public Map<String, Integer> specialTokens() { return specials; }

    @Override
    public boolean isSpecial(int id) {
        checkId(id);
        ScoredVocabulary.PieceKind kind = vocabulary.kinds()[id];
        return kind == ScoredVocabulary.PieceKind.CONTROL || kind == ScoredVocabulary.PieceKind.UNKNOWN;
    }

    private void checkId(int id) {
        if (id < 0 || id >= vocabulary.size()) {
            throw new IndexOutOfBoundsException("token id " + id + " outside vocabulary [0, " + vocabulary.size()
                    + ") of " + vocabulary.source());
        }
    }
}
