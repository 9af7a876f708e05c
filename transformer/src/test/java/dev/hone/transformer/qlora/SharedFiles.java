package dev.hone.transformer.qlora;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Locates the project's shared/ folder (real models and data, see shared/README.md) from the working
 * directory: it is the sibling of the repository root, or a child of an ancestor.
 */
final class SharedFiles {
    private SharedFiles() { }

    static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            for (Path candidate : List.of(dir.resolve("shared"), dir.resolveSibling("shared"))) {
                if (Files.isRegularFile(candidate.resolve("models/stories260K/stories260K.bin"))) return candidate;
            }
        }
        throw new IllegalStateException("shared/ with models/stories260K not found above " + Path.of("").toAbsolutePath());
    }

    static Path stories260K() { return root().resolve("models/stories260K/stories260K.bin"); }

    static Path tok512() { return root().resolve("models/stories260K/tok512.bin"); }

    static Path tinyStoriesValidation() { return root().resolve("data/tinystories/tinystories_val.txt"); }

    static Path customerSupport() { return root().resolve("data/customer-support/bitext_customer_support_6480_short.DERIVED.messages.jsonl"); }
}
