package dev.hone.tensor.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds safetensors files byte by byte for tests, straight from the format description (8-byte
 * little-endian header length, JSON header, data), so malformed files can be made on purpose.
 */
final class RawFiles {
    private RawFiles() { }

    /** A file whose header is {@code json} (length prefix exact, no padding) followed by {@code dataBytes} bytes 0, 1, 2, ... */
    static byte[] file(String json, int dataBytes) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        byte[] data = new byte[dataBytes];
        for (int i = 0; i < dataBytes; i++) data[i] = (byte) i;
        return withLength(header.length, concat(header, data));
    }

    /** {@code rest} prefixed by {@code headerLength} as a little-endian u64 (any bit pattern). */
    static byte[] withLength(long headerLength, byte[] rest) {
        byte[] prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array();
        return concat(prefix, rest);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static Path write(Path file, byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory holding the committed fixtures (written by make_fixtures.py). */
    static Path fixtures() {
        try {
            return Path.of(RawFiles.class.getResource("/safetensors/independent.safetensors").toURI()).getParent();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
