package dev.hone.transformer.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reader of llama2.c's tokenizer.bin (karpathy/llama2.c {@code tokenizer.py export}, read by run.c
 * {@code build_tokenizer}): little-endian int32 {@code max_token_length}, then per token float32 score, int32 byte
 * length and that many UTF-8 bytes, until the end of the file. Pieces already use a plain space for {@code ▁}.
 * Ids 1 and 2 are BOS and EOS, as run.c assumes; the export writes them as {@code "\n<s>\n"} and
 * {@code "\n</s>\n"}, which are read back as {@code <s>} and {@code </s>}.
 */
public final class Llama2cTokenizerFile {
    private Llama2cTokenizerFile() {}

    /** Reads {@code file}; {@code whitespace} picks run.c's behaviour ({@code KEEP}) or SentencePiece's. */
    public static ScoredVocabulary read(Path file, ScoredVocabulary.Whitespace whitespace) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("reading llama2.c tokenizer " + file, e);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        String source = file.toString();
        if (in.remaining() < 4) throw new TokenizerFormatException(source + ": too short for max_token_length header");
        int maxTokenLength = in.getInt();
        if (maxTokenLength <= 0 || maxTokenLength > 1024) {
            throw new TokenizerFormatException(source + ": implausible max_token_length " + maxTokenLength
                    + " (not a llama2.c tokenizer.bin?)");
        }
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (in.hasRemaining()) {
            int id = pieces.size();
            if (in.remaining() < 8) throw new TokenizerFormatException(source + ": truncated header of token " + id);
            float score = in.getFloat();
            int length = in.getInt();
            if (length < 0 || length > maxTokenLength || length > in.remaining()) {
                throw new TokenizerFormatException(source + ": token " + id + " has length " + length
                        + " (max_token_length " + maxTokenLength + ", " + in.remaining() + " bytes left)");
            }
            byte[] piece = new byte[length];
            in.get(piece);
            String text = new String(piece, StandardCharsets.UTF_8);
            // llama2.c's export spells BOS/EOS "\n<s>\n" and "\n</s>\n"; keep SentencePiece's names
            pieces.add((id == 1 || id == 2) && text.strip().matches("</?s>") ? text.strip() : text);
            scores.add(score);
        }
        if (pieces.size() < 3) throw new TokenizerFormatException(source + ": only " + pieces.size() + " tokens");
        float[] scoreArray = new float[scores.size()];
        ScoredVocabulary.PieceKind[] kinds = new ScoredVocabulary.PieceKind[pieces.size()];
        for (int id = 0; id < kinds.length; id++) {
            scoreArray[id] = scores.get(id);
            kinds[id] = ScoredVocabulary.inferKind(id, pieces.get(id));
        }
        return new ScoredVocabulary(pieces, scoreArray, kinds, 1, 2, whitespace, source);
    }
}
