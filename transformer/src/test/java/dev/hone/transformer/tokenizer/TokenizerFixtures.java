package dev.hone.transformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Locates test material: the project's {@code shared/} folder (stories260K and its spm_encode references), the
 * committed fixtures under {@code src/test/resources/tokenizer/} (each with the script that made it), and the
 * optional full released tokenizers that {@code fetch_npm_tokenizers.sh} puts in {@code $HONE_TOKENIZERS_DIR}
 * (default {@code /tmp/hone-tokenizers}).
 */
public final class TokenizerFixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerFixtures() {}

    /** One expected encoding. */
    public record Case(String text, int[] ids) {}

    /** {@code shared/} found beside the project root, searching upwards from the working directory. */
    public static Path shared() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            for (Path candidate : List.of(dir.resolve("shared"), dir.resolveSibling("shared"))) {
                if (Files.isRegularFile(candidate.resolve("models/stories260K/tok512.bin"))) return candidate;
            }
        }
        throw new IllegalStateException("shared/ with models/stories260K not found above " + Path.of("").toAbsolutePath());
    }

    public static Path stories(String file) { return shared().resolve("models/stories260K").resolve(file); }

    /** A committed file under src/test/resources/tokenizer/. */
    public static Path resource(String name) {
        try {
            var url = TokenizerFixtures.class.getResource("/tokenizer/" + name);
            if (url == null) throw new IllegalStateException("test resource tokenizer/" + name + " is missing");
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A full released tokenizer.json fetched by fetch_npm_tokenizers.sh, if present. */
    public static Optional<Path> released(String model) {
        String dir = System.getenv().getOrDefault("HONE_TOKENIZERS_DIR", "/tmp/hone-tokenizers");
        Path file = Path.of(dir, model, "tokenizer.json");
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    public static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code cases} array of an expectations file: {@code text} and {@code ids}. */
    public static List<Case> cases(Path file) {
        List<Case> cases = new ArrayList<>();
        for (JsonNode c : json(file).get("cases")) cases.add(new Case(c.get("text").asText(), ints(c.get("ids"))));
        return cases;
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }
}
