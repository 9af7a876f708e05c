package dev.hone.transformer.data;

import dev.hone.transformer.chat.Message;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A 128-bit content key for duplicate and contamination checks: the first 16 bytes of SHA-256 over the example's
 * kind, roles and contents, each content with runs of whitespace collapsed to one space and trimmed. So two
 * examples are equal exactly when they differ at most in whitespace (metadata and source are ignored); a
 * prompt/completion pair equals the same user/assistant messages.
 */
public record ExampleFingerprint(long high, long low) {

    public static ExampleFingerprint of(Example example) {
        StringBuilder key = new StringBuilder();
        switch (example) {
            case Example.Chat chat -> {
                key.append("chat");
                for (Message m : chat.messages()) key.append('\u0000').append(m.role().spelling()).append('\u0001').append(normalise(m.content()));
            }
            case Example.Text text -> key.append("text\u0000").append(normalise(text.text()));
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.toString().getBytes(StandardCharsets.UTF_8));
            ByteBuffer bytes = ByteBuffer.wrap(digest);
            return new ExampleFingerprint(bytes.getLong(), bytes.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("ExampleFingerprint: the JDK lacks SHA-256", e);
        }
    }

    /** Whitespace runs → one space, trimmed. */
    static String normalise(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }
}
