package dev.hone.transformer.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A SentencePiece-style vocabulary: one piece, score and kind per id, plus the normalizer settings that came
 * with it. Pieces are stored as surface text: the SentencePiece word-boundary marker {@code ▁} (U+2581) is a plain
 * space here, as in llama2.c's tokenizer.bin; byte pieces keep their {@code <0xXX>} spelling and control pieces
 * their name ({@code <s>}). Invariants: the three arrays have one entry per id; pieces are unique.
 *
 * @param pieces surface text of each id
 * @param scores merge priority of each id (higher merges first)
 * @param kinds  role of each id
 * @param bosId  id of the begin-of-sequence control piece, or -1
 * @param eosId  id of the end-of-sequence control piece, or -1
 * @param whitespace how the encoder treats runs of spaces (run.c keeps them; SentencePiece's default collapses them)
 * @param source the file it was read from, for error messages
 */
public record ScoredVocabulary(List<String> pieces, float[] scores, PieceKind[] kinds, int bosId, int eosId,
                               Whitespace whitespace, String source) {

    /** The role of a vocabulary entry, as SentencePiece's {@code ModelProto.SentencePiece.Type}. */
    public enum PieceKind { NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE }

    /** Whitespace normalization applied before encoding. */
    public enum Whitespace {
        /** Text is used as is (llama2.c run.c). */
        KEEP,
        /** SentencePiece's {@code remove_extra_whitespaces}: drop leading and trailing spaces, collapse runs of spaces. */
        COLLAPSE
    }

    public ScoredVocabulary {
        pieces = List.copyOf(pieces);
        if (scores.length != pieces.size() || kinds.length != pieces.size()) {
            throw new TokenizerFormatException(source + ": " + pieces.size() + " pieces but " + scores.length
                    + " scores and " + kinds.length + " kinds");
        }
        scores = scores.clone();
        kinds = kinds.clone();
    }

    public int size() { return pieces.size(); }

    /** Piece text → id, first occurrence winning (SentencePiece forbids duplicates). */
    public Map<String, Integer> index() {
        Map<String, Integer> index = HashMap.newHashMap(pieces.size());
        for (int id = 0; id < pieces.size(); id++) index.putIfAbsent(pieces.get(id), id);
        return index;
    }

    /** The byte value of a {@code <0xXX>} piece, or empty. */
    public static OptionalInt byteValue(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') return OptionalInt.empty();
        int high = Character.digit(piece.charAt(3), 16);
        int low = Character.digit(piece.charAt(4), 16);
        return high < 0 || low < 0 ? OptionalInt.empty() : OptionalInt.of(high * 16 + low);
    }

    /** Kind of a piece read from a format without kinds (llama2.c tokenizer.bin), from its spelling and id. */
    static PieceKind inferKind(int id, String piece) {
        if (byteValue(piece).isPresent()) return PieceKind.BYTE;
        if (id == 0 && piece.equals("<unk>")) return PieceKind.UNKNOWN;
        if (piece.equals("<s>") || piece.equals("</s>")) return PieceKind.CONTROL;
        return PieceKind.NORMAL;
    }
}
