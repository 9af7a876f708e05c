package dev.hone.transformer.data;

import dev.hone.transformer.tokenizer.Tokenizer;
import dev.hone.transformer.tokenizer.TokenizerFixtures;
import dev.hone.transformer.tokenizer.Tokenizers;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Test material for the data package: the hand-written fixtures under {@code src/test/resources/data/} (their
 * expected counts follow from reading them), the shared customer-support and GSM8K files, and the stories260K
 * tokenizer (tok512, no chat tokens, so the plain template applies).
 */
final class DataFixtures {
    private DataFixtures() {}

    static Path resource(String name) {
        try {
            var url = DataFixtures.class.getResource("/data/" + name);
            if (url == null) throw new IllegalStateException("test resource data/" + name + " is missing");
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Tokenizer tok512() { return Tokenizers.load(TokenizerFixtures.stories("tok512.model")); }

    static Path customerSupportJsonl() {
        return TokenizerFixtures.shared().resolve("data/customer-support/bitext_customer_support_6480_short.DERIVED.messages.jsonl");
    }

    static Path customerSupportCsv() {
        return TokenizerFixtures.shared().resolve("data/customer-support/bitext_customer_support_6480_short.csv");
    }

    static Path gsm8kChat() { return TokenizerFixtures.shared().resolve("data/gsm8k/azure_sample_chat_train_449.jsonl"); }

    /** The first {@code n} lines of {@code source}, copied to {@code dir} (streamed, not loaded whole). */
    static Path firstLines(Path source, int n, Path dir) {
        Path out = dir.resolve("head-" + n + "-" + source.getFileName());
        try (BufferedReader in = Files.newBufferedReader(source, StandardCharsets.UTF_8);
             BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            String line;
            for (int i = 0; i < n && (line = in.readLine()) != null; i++) writer.write(line + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Every example of {@code source} under {@code policy}, with the stats and warnings collected. */
    static List<Example> readAll(DataSource source, MalformedInputPolicy policy, DataStats stats, List<String> warnings) {
        List<Example> out = new ArrayList<>();
        Consumer<String> sink = warnings::add;
        try (ExampleReader reader = source.open(new InputProblems(policy, stats, sink))) {
            reader.forEachRemaining(out::add);
        }
        return out;
    }

    static List<Example> readAll(DataSource source) {
        return readAll(source, MalformedInputPolicy.STOP, new DataStats(), new ArrayList<>());
    }
}
