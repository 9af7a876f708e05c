package dev.hone.transformer.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Incremental detokenizer for generation: feeds each token's bytes ({@link Tokenizer#tokenBytes}) into a UTF-8
 * decoder and returns only complete characters, so a character split over byte-fallback tokens
 * ({@code <0xE2><0x82><0xAC>}) or byte-level tokens appears once its last byte arrives. Invalid bytes become
 * U+FFFD. Concatenating every {@link #push} result and {@link #finish} equals {@link Tokenizer#decode} of the
 * same ids. Not thread-safe; one per generated sequence.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pending = ByteBuffer.allocate(64);
    private boolean atDocumentStart = true;

    StreamingDecoder(Tokenizer tokenizer) { this.tokenizer = tokenizer; }

    /** Adds token {@code id}; returns the text completed by it (often empty for partial UTF-8). */
    public String push(int id) {
        if (tokenizer.bosId().isPresent() && tokenizer.bosId().getAsInt() == id) {
            atDocumentStart = true;
            return "";
        }
        if (tokenizer.isSpecial(id)) return "";
        byte[] bytes = tokenizer.tokenBytes(id, atDocumentStart ? Tokenizer.TokenPosition.FIRST
                : Tokenizer.TokenPosition.FOLLOWING);
        atDocumentStart = false;
        append(bytes);
        return drain(false);
    }

    /** Ends the sequence: any incomplete trailing UTF-8 becomes U+FFFD. */
    public String finish() { return drain(true); }

    private void append(byte[] bytes) {
        if (pending.remaining() < bytes.length) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.position() + bytes.length));
            pending.flip();
            bigger.put(pending);
            pending = bigger;
        }
        pending.put(bytes);
    }

    private String drain(boolean endOfInput) {
        pending.flip();
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 2);
        utf8.decode(pending, out, endOfInput);
        if (endOfInput) {
            utf8.flush(out);
            utf8.reset();
        }
        pending.compact();
        return out.flip().toString();
    }
}
