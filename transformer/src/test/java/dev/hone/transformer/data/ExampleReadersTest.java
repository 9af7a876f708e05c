package dev.hone.transformer.data;

import static dev.hone.transformer.data.DataFixtures.readAll;
import static dev.hone.transformer.data.DataFixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hone.transformer.chat.Message;
import dev.hone.transformer.chat.Role;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JSONL (messages, prompt/completion, text; auto-detected or forced) and CSV readers on the committed fixtures
 * and the shared data: contents, roles, metadata, {@code file:line} locations, and the skip/stop handling of
 * malformed lines, unknown roles, empty assistant turns and missing fields.
 */
class ExampleReadersTest {

    @Test
    void readsOpenAiMessagesWithMetadataAndTextParts() {
        List<Example> examples = readAll(DataSource.of(resource("messages.jsonl")));
        assertThat(examples).hasSize(3);
        Example.Chat first = (Example.Chat) examples.get(0);
        assertThat(first.messages()).containsExactly(Message.system("You are a helpful shop assistant."),
                Message.user("Where is my order?"), Message.assistant("It ships tomorrow."));
        assertThat(first.metadata()).isEqualTo(Map.of("intent", "track_order", "category", "ORDER"));
        Example.Chat second = (Example.Chat) examples.get(1);
        assertThat(second.messages()).hasSize(4);
        assertThat(second.label("intent")).contains("get_refund");
        assertThat(second.promptMessages()).hasSize(3);
        assertThat(second.lastAssistantContent()).isEqualTo("Open your orders and press Refund.");
        Example.Chat third = (Example.Chat) examples.get(2);
        assertThat(third.messages().getFirst().content()).isEqualTo("Hello there");
        assertThat(third.source().line()).as("the blank line 3 is skipped, not counted as an example").isEqualTo(4);
        assertThat(third.source().toString()).endsWith("messages.jsonl:4");
    }

    @Test
    void readsPromptCompletionAsUserAssistantPair() {
        List<Example> examples = readAll(DataSource.of(resource("prompt_completion.jsonl")));
        assertThat(((Example.Chat) examples.get(0)).messages())
                .containsExactly(Message.user("Once upon a time"), Message.assistant(" there was a cat."));
        assertThat(examples.get(0).metadata()).isEqualTo(Map.of("label", "story"));
        assertThat(((Example.Chat) examples.get(1)).messages().getFirst()).isEqualTo(Message.system("Answer briefly."));
    }

    @Test
    void readsPlainText() {
        List<Example> examples = readAll(DataSource.of(resource("text.jsonl")));
        assertThat(examples).extracting(e -> ((Example.Text) e).text())
                .containsExactly("Lily saw a big dog. The dog was happy.", "Tom liked to play in the park.");
        assertThat(examples.get(1).metadata()).isEqualTo(Map.of("source", "tinystories"));
    }

    @Test
    void explicitFormatOverridesDetection() {
        DataSource forced = new DataSource.Jsonl(resource("text.jsonl"), JsonlFormat.MESSAGES);
        assertThatThrownBy(() -> readAll(forced)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining("text.jsonl:1").hasMessageContaining("\"messages\" must be a non-empty array");
    }

    @Test
    void malformedLinesAreSkippedWithCountsAndLocations() {
        DataStats stats = new DataStats();
        List<String> warnings = new ArrayList<>();
        List<Example> examples = readAll(DataSource.of(resource("malformed.jsonl")), MalformedInputPolicy.SKIP, stats, warnings);
        assertThat(examples).extracting(e -> e.source().line()).containsExactly(1L, 7L);
        assertThat(stats.examplesRead()).isEqualTo(2);
        assertThat(stats.skippedTotal()).isEqualTo(5);
        for (SkipReason reason : List.of(SkipReason.MALFORMED_JSON, SkipReason.UNKNOWN_ROLE, SkipReason.EMPTY_ASSISTANT,
                SkipReason.NO_ASSISTANT_TURN, SkipReason.MISSING_FIELD)) {
            assertThat(stats.skipped(reason)).as(reason.name()).isEqualTo(1);
        }
        assertThat(warnings).hasSize(5);
        assertThat(warnings.get(0)).contains("malformed.jsonl:2").contains("malformed JSON");
        assertThat(warnings.get(1)).contains("malformed.jsonl:3").contains("unknown chat role 'customer'");
        assertThat(warnings.get(2)).contains("malformed.jsonl:4").contains("empty assistant turn");
        assertThat(warnings.get(3)).contains("malformed.jsonl:5").contains("no assistant turn");
        assertThat(warnings.get(4)).contains("malformed.jsonl:6").contains("\"messages\" must be a non-empty array");
    }

    @Test
    void malformedLineStopsReadingUnderStop() {
        DataStats stats = new DataStats();
        assertThatThrownBy(() -> readAll(DataSource.of(resource("malformed.jsonl")), MalformedInputPolicy.STOP, stats, new ArrayList<>()))
                .isInstanceOf(DataFormatException.class).hasMessageContaining("malformed.jsonl:2: malformed JSON")
                .extracting(e -> ((DataFormatException) e).reason()).isEqualTo(SkipReason.MALFORMED_JSON);
        assertThat(stats.examplesRead()).isEqualTo(1);
    }

    @Test
    void csvWithDetectedColumnsMultiLineFieldsAndLabels() {
        DataStats stats = new DataStats();
        List<String> warnings = new ArrayList<>();
        List<Example> examples = readAll(DataSource.of(resource("chat.csv")), MalformedInputPolicy.SKIP, stats, warnings);
        assertThat(examples).hasSize(3);
        Example.Chat first = (Example.Chat) examples.get(0);
        assertThat(first.messages()).containsExactly(Message.user("how do I cancel my order?"),
                Message.assistant("You can cancel it\r\nin your account."));
        assertThat(first.metadata()).isEqualTo(Map.of("intent", "cancel_order"));
        assertThat(examples).extracting(e -> e.source().line()).containsExactly(2L, 4L, 6L);
        assertThat(stats.skipped(SkipReason.EMPTY_ASSISTANT)).isEqualTo(1);
        assertThat(warnings).singleElement().asString().contains("chat.csv:5").contains("column 'response' is empty");
    }

    @Test
    void csvWithMissingNamedColumnIsRefused() {
        DataSource wrong = new DataSource.Csv(resource("chat.csv"), CsvColumns.of("question", "response"));
        assertThatThrownBy(() -> readAll(wrong)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lacks the columns [question]");
    }

    @Test
    void csvWithBrokenQuotingStopsWithTheRecordLine(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("broken.csv");
        Files.writeString(broken, "prompt,completion\nhi,hello\nbye,\"unterminated\nstill open\n");
        DataStats stats = new DataStats();
        List<Example> read = new ArrayList<>();
        assertThatThrownBy(() -> {
            try (ExampleReader reader = DataSource.of(broken).open(new InputProblems(MalformedInputPolicy.SKIP, stats, s -> {}))) {
                reader.forEachRemaining(read::add);
            }
        }).isInstanceOf(DataFormatException.class).hasMessageContaining("broken.csv:3: malformed CSV record");
        assertThat(read).hasSize(1);
    }

    @Test
    void customerSupportCsvAgreesWithItsDerivedJsonl(@TempDir Path dir) throws Exception {
        int n = 300;
        List<Example> fromJsonl = readAll(DataSource.of(DataFixtures.firstLines(DataFixtures.customerSupportJsonl(), n, dir)));
        List<Example> fromCsv = new ArrayList<>();
        DataSource csv = new DataSource.Csv(DataFixtures.customerSupportCsv(), null);
        try (ExampleReader reader = csv.open(new InputProblems(MalformedInputPolicy.STOP, new DataStats(), s -> {}))) {
            while (reader.hasNext() && fromCsv.size() < n) fromCsv.add(reader.next());
            assertThat(((CsvReader) reader).columns()).isEqualTo(CsvColumns.of("instruction", "response").withLabels("intent", "category"));
        }
        assertThat(fromJsonl).hasSize(n);
        for (int i = 0; i < n; i++) {
            Example.Chat j = (Example.Chat) fromJsonl.get(i);
            Example.Chat c = (Example.Chat) fromCsv.get(i);
            assertThat(j.messages().get(0)).isEqualTo(c.messages().get(0));
            assertThat(j.lastAssistantContent()).isEqualTo(c.lastAssistantContent().replace("\r\n", "\n"));
            assertThat(j.label("intent")).isEqualTo(c.label("intent")).isPresent();
            assertThat(j.label("category")).isEqualTo(c.label("category"));
        }
    }

    @Test
    void gsm8kChatFileReadsEveryLineWithSystemPrompt() throws Exception {
        long lines;
        try (BufferedReader in = Files.newBufferedReader(DataFixtures.gsm8kChat(), StandardCharsets.UTF_8)) {
            lines = in.lines().filter(l -> !l.isBlank()).count();
        }
        List<Example> examples = readAll(DataSource.of(DataFixtures.gsm8kChat()));
        assertThat(examples).hasSize((int) lines);
        assertThat(examples).allSatisfy(e -> assertThat(((Example.Chat) e).messages().getFirst().role()).isEqualTo(Role.SYSTEM));
    }
}
