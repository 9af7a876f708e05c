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
 * Reader of a SentencePiece {@code .model} file (protobuf {@code sentencepiece_model.proto} ModelProto) with a
 * minimal hand-written wire-format parser. Read: pieces (field 1: piece 1, score 2, type 3), trainer_spec (field 2:
 * model_type 3, byte_fallback 35, bos_id 41, eos_id 42) and normalizer_spec (field 3: name 1, add_dummy_prefix 3,
 * remove_extra_whitespaces 4). Only BPE models with the {@code identity} normalization rule and a dummy prefix are
 * accepted (Llama 2, TinyLlama, llama2.c's tok*.model); anything else is rejected with the field named.
 */
public final class SentencePieceModelFile {
    private static final int WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LENGTH = 2, WIRE_FIXED32 = 5;
    private static final int MODEL_TYPE_BPE = 2;

    private SentencePieceModelFile() {}

    public static ScoredVocabulary read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("reading SentencePiece model " + file, e);
        }
        return parse(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), file.toString());
    }

    private static ScoredVocabulary parse(ByteBuffer in, String source) {
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<ScoredVocabulary.PieceKind> kinds = new ArrayList<>();
        int modelType = 1, bosId = 1, eosId = 2;
        String normalizerName = "nmt_nfkc";
        boolean dummyPrefix = true, removeExtraWhitespace = true;
        while (in.hasRemaining()) {
            long key = readVarint(in, source);
            int field = (int) (key >>> 3), wire = (int) (key & 7);
            if (field == 1 && wire == WIRE_LENGTH) {
                ByteBuffer piece = slice(in, source, "pieces[" + pieces.size() + "]");
                String text = null;
                float score = 0f;
                int type = 1;
                while (piece.hasRemaining()) {
                    long k = readVarint(piece, source);
                    int f = (int) (k >>> 3), w = (int) (k & 7);
                    if (f == 1 && w == WIRE_LENGTH) text = utf8(slice(piece, source, "piece"));
                    else if (f == 2 && w == WIRE_FIXED32) score = piece.getFloat();
                    else if (f == 3 && w == WIRE_VARINT) type = (int) readVarint(piece, source);
                    else skip(piece, w, source);
                }
                if (text == null) throw new TokenizerFormatException(source + ": pieces[" + pieces.size() + "] has no piece text");
                pieces.add(text.replace('\u2581', ' '));
                scores.add(score);
                kinds.add(kindOf(type, source, pieces.size() - 1));
            } else if (field == 2 && wire == WIRE_LENGTH) {
                ByteBuffer trainer = slice(in, source, "trainer_spec");
                while (trainer.hasRemaining()) {
                    long k = readVarint(trainer, source);
                    int f = (int) (k >>> 3), w = (int) (k & 7);
                    if (w != WIRE_VARINT) { skip(trainer, w, source); continue; }
                    long value = readVarint(trainer, source);
                    if (f == 3) modelType = (int) value;
                    else if (f == 41) bosId = (int) value;
                    else if (f == 42) eosId = (int) value;
                }
            } else if (field == 3 && wire == WIRE_LENGTH) {
                ByteBuffer normalizer = slice(in, source, "normalizer_spec");
                while (normalizer.hasRemaining()) {
                    long k = readVarint(normalizer, source);
                    int f = (int) (k >>> 3), w = (int) (k & 7);
                    if (f == 1 && w == WIRE_LENGTH) normalizerName = utf8(slice(normalizer, source, "normalizer_spec.name"));
                    else if (f == 3 && w == WIRE_VARINT) dummyPrefix = readVarint(normalizer, source) != 0;
                    else if (f == 4 && w == WIRE_VARINT) removeExtraWhitespace = readVarint(normalizer, source) != 0;
                    else skip(normalizer, w, source);
                }
            } else {
                skip(in, wire, source);
            }
        }
        if (modelType != MODEL_TYPE_BPE) {
            throw new TokenizerFormatException(source + ": trainer_spec.model_type " + modelType
                    + " is not BPE (2); only SentencePiece BPE models are supported");
        }
        if (!normalizerName.equals("identity")) {
            throw new TokenizerFormatException(source + ": normalizer_spec.name '" + normalizerName
                    + "' is not supported (only 'identity')");
        }
        if (!dummyPrefix) throw new TokenizerFormatException(source + ": normalizer_spec.add_dummy_prefix=false is not supported");
        if (pieces.isEmpty()) throw new TokenizerFormatException(source + ": no pieces (not a SentencePiece model?)");
        float[] scoreArray = new float[scores.size()];
        for (int i = 0; i < scoreArray.length; i++) scoreArray[i] = scores.get(i);
        return new ScoredVocabulary(pieces, scoreArray, kinds.toArray(ScoredVocabulary.PieceKind[]::new),
                bosId, eosId, removeExtraWhitespace ? ScoredVocabulary.Whitespace.COLLAPSE : ScoredVocabulary.Whitespace.KEEP,
                source);
    }

    private static ScoredVocabulary.PieceKind kindOf(int type, String source, int id) {
        return switch (type) {
            case 1 -> ScoredVocabulary.PieceKind.NORMAL;
            case 2 -> ScoredVocabulary.PieceKind.UNKNOWN;
            case 3 -> ScoredVocabulary.PieceKind.CONTROL;
            case 4 -> ScoredVocabulary.PieceKind.USER_DEFINED;
            case 5 -> ScoredVocabulary.PieceKind.UNUSED;
            case 6 -> ScoredVocabulary.PieceKind.BYTE;
            default -> throw new TokenizerFormatException(source + ": pieces[" + id + "].type " + type + " is unknown");
        };
    }

    private static long readVarint(ByteBuffer in, String source) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (!in.hasRemaining()) throw new TokenizerFormatException(source + ": truncated protobuf varint");
            byte b = in.get();
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) return value;
        }
        throw new TokenizerFormatException(source + ": protobuf varint longer than 10 bytes");
    }

    private static ByteBuffer slice(ByteBuffer in, String source, String field) {
        long length = readVarint(in, source);
        if (length < 0 || length > in.remaining()) {
            throw new TokenizerFormatException(source + ": " + field + " length " + length + " exceeds the "
                    + in.remaining() + " bytes left (corrupt protobuf)");
        }
        ByteBuffer part = in.slice(in.position(), (int) length).order(ByteOrder.LITTLE_ENDIAN);
        in.position(in.position() + (int) length);
        return part;
    }

    private static void skip(ByteBuffer in, int wire, String source) {
        switch (wire) {
            case WIRE_VARINT -> readVarint(in, source);
            case WIRE_FIXED64 -> advance(in, 8, source);
            case WIRE_LENGTH -> slice(in, source, "unknown field");
            case WIRE_FIXED32 -> advance(in, 4, source);
            default -> throw new TokenizerFormatException(source + ": protobuf wire type " + wire + " not supported (corrupt file?)");
        }
    }

    private static void advance(ByteBuffer in, int count, String source) {
        if (in.remaining() < count) throw new TokenizerFormatException(source + ": truncated protobuf field");
        in.position(in.position() + count);
    }

    private static String utf8(ByteBuffer bytes) {
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        return new String(copy, StandardCharsets.UTF_8);
    }
}
