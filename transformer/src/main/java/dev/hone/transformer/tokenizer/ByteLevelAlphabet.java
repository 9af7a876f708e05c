package dev.hone.transformer.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte ↔ printable-character table ({@code bytes_to_unicode} in openai/gpt-2 encoder.py, the
 * Hugging Face ByteLevel pre-tokenizer and decoder): bytes {@code !}..{@code ~}, {@code ¡}..{@code ¬} and
 * {@code ®}..{@code ÿ} map to themselves; the other 68 bytes (0..32, 127..160, 173) map, in increasing order,
 * to U+0100..U+0143. Byte-level BPE vocabularies are spelled in these characters (a space is {@code Ġ}, a
 * newline {@code Ċ}). Computed arithmetically; no tables.
 */
final class ByteLevelAlphabet {
    private ByteLevelAlphabet() {}

    static char charOf(int b) {
        if (b <= 32) return (char) (0x100 + b);
        if (b >= 127 && b <= 160) return (char) (0x100 + 33 + (b - 127));
        if (b == 173) return (char) (0x100 + 67);
        return (char) b;
    }

    /** The byte {@code c} stands for, or -1 if {@code c} is not in the table. */
    static int byteOf(char c) {
        if (c >= 0x100 && c <= 0x120) return c - 0x100;
        if (c >= 0x121 && c <= 0x142) return 127 + (c - 0x121);
        if (c == 0x143) return 173;
        boolean printable = (c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF);
        return printable ? c : -1;
    }

    /** The UTF-8 bytes of {@code text}, each spelled as its table character. */
    static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = charOf(bytes[i] & 0xff);
        return new String(out);
    }

    /** The bytes a byte-level token spells, or {@code null} if it holds a character outside the table. */
    static byte[] decode(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            int b = byteOf(token.charAt(i));
            if (b < 0) return null;
            out[i] = (byte) b;
        }
        return out;
    }
}
