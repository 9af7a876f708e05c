package dev.hone.tensor.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Small files written whole or not at all: the bytes go to a hidden temporary file in the target's directory,
 * which is then renamed over the target with {@code ATOMIC_MOVE}, so a crash or a full disk leaves either the
 * previous file or the new one, never a torn one, and no temporary file behind on failure. (Large tensor files
 * have their own streaming writer, {@link SafetensorsWriter}, with the same guarantee.)
 */
public final class AtomicFiles {
    private AtomicFiles() { }

    /** Replaces {@code file} with {@code bytes}; creates the parent directory if needed. */
    public static void write(Path file, byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.write(temp, bytes);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Replaces {@code file} with {@code text} in UTF-8. */
    public static void writeString(Path file, String text) throws IOException {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
