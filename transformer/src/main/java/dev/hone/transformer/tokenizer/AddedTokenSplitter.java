package dev.hone.transformer.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits raw text around added tokens, leftmost first and, at one position, longest first (Hugging Face's
 * AddedVocabulary). The result alternates text pieces and token ids; text pieces keep their start offset so the
 * pre-tokenizer knows which one begins the input.
 */
final class AddedTokenSplitter {

    /** A piece of the split text: either plain text or one added token. */
    sealed interface Piece {}

    record Text(String text, int start) implements Piece {}

    record Token(int id) implements Piece {}

    private final Map<Character, List<AddedToken>> byFirstChar = new HashMap<>();

    AddedTokenSplitter(List<AddedToken> tokens) {
        for (AddedToken token : tokens) {
            byFirstChar.computeIfAbsent(token.content().charAt(0), c -> new ArrayList<>()).add(token);
        }
        for (List<AddedToken> list : byFirstChar.values()) {
            list.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
        }
    }

    List<Piece> split(String text) {
        List<Piece> pieces = new ArrayList<>();
        int textStart = 0;
        int i = 0;
        while (i < text.length()) {
            AddedToken match = matchAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            int textEnd = i;
            if (match.lstrip()) while (textEnd > textStart && Character.isWhitespace(text.charAt(textEnd - 1))) textEnd--;
            if (textEnd > textStart) pieces.add(new Text(text.substring(textStart, textEnd), textStart));
            pieces.add(new Token(match.id()));
            i += match.content().length();
            if (match.rstrip()) while (i < text.length() && Character.isWhitespace(text.charAt(i))) i++;
            textStart = i;
        }
        if (textStart < text.length()) pieces.add(new Text(text.substring(textStart), textStart));
        return pieces;
    }

    private AddedToken matchAt(String text, int i) {
        List<AddedToken> candidates = byFirstChar.get(text.charAt(i));
        if (candidates == null) return null;
        for (AddedToken token : candidates) {
            if (!text.startsWith(token.content(), i)) continue;
            if (token.singleWord() && (isWordChar(text, i - 1) || isWordChar(text, i + token.content().length()))) continue;
            return token;
        }
        return null;
    }

    private static boolean isWordChar(String text, int i) {
        return i >= 0 && i < text.length() && Character.isLetterOrDigit(text.charAt(i));
    }
}
