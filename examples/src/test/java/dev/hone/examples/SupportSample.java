package dev.hone.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The first lines of ../shared's customer-support conversations, as a JSONL file for a short test run. */
final class SupportSample {
    private SupportSample() { }

    static Path firstLines(Path dir, int lines) throws IOException {
        Path all = DemoCommand.findShared().resolve("data/customer-support/bitext_customer_support_6480_short.DERIVED.messages.jsonl");
        List<String> head = Files.readAllLines(all).subList(0, lines);
        return Files.write(dir.resolve("support.jsonl"), head);
    }
}
