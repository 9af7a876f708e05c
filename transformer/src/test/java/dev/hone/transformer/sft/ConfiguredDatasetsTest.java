package dev.hone.transformer.sft;

import dev.hone.transformer.chat.ChatTemplates;
import dev.hone.transformer.data.SftData;
import dev.hone.transformer.data.TokenizedExample;
import dev.hone.transformer.train.config.TrainingConfig;
import dev.hone.transformer.train.config.TrainingConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The datasets entries of a config as readers: a CSV file's field_prompt/field_completion/field_label name its columns
 * and a JSONL file's field_* name its keys (both used to be refused, or for type csv ignored); names a CSV file cannot
 * honour are refused with the file named.
 */
class ConfiguredDatasetsTest {
    @TempDir Path dir;

    @Test
    void aCsvFilesFieldNamesChooseItsColumns() throws IOException {
        Path csv = Files.writeString(dir.resolve("qa.csv"), "q,a,intent\nWhat is 1+1?,2,math\n\"Quoted, with comma\",yes,misc\nHi,Hello,greet\n");
        for (String type : new String[] {"auto", "csv"}) {
            SftData data = prepare(Map.of("path", csv.toString(), "type", type, "field_prompt", "q", "field_completion", "a",
                    "field_label", "intent"));
            assertThat(data.train()).hasSize(3);
            List<String> prompts = new ArrayList<>();
            for (TokenizedExample e : data.train()) prompts.add(SftFixtures.tok512().decode(e.ids()));
            assertThat(String.join("|", prompts)).contains("What is 1+1?", "Quoted, with comma", "Hello");
            assertThat(data.train()).extracting(e -> e.example().label("intent").orElse("none"))
                    .containsExactlyInAnyOrder("math", "misc", "greet");
        }
    }

    @Test
    void aJsonlFilesFieldNamesChooseItsKeys() throws IOException {
        Path qa = Files.writeString(dir.resolve("qa.jsonl"), "{\"question\": \"What is 2+2?\", \"answer\": \"4\", \"intent\": \"math\"}\n");
        Path chats = Files.writeString(dir.resolve("chats.jsonl"),
                "{\"conversation\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello\"}]}\n");
        Path texts = Files.writeString(dir.resolve("texts.jsonl"), "{\"body\": \"Once upon a time\"}\n");

        SftData fromQa = prepare(Map.of("path", qa.toString(), "field_prompt", "question", "field_completion", "answer"));
        assertThat(SftFixtures.tok512().decode(fromQa.train().getFirst().ids())).contains("What is 2+2?", "4");
        assertThat(fromQa.train().getFirst().example().label("intent")).contains("math");
        assertThat(SftFixtures.tok512().decode(prepare(Map.of("path", chats.toString(), "field_messages", "conversation"))
                .train().getFirst().ids())).contains("Hi", "Hello");
        assertThat(SftFixtures.tok512().decode(prepare(Map.of("path", texts.toString(), "type", "text", "field_text", "body"))
                .train().getFirst().ids())).contains("Once upon a time");
        assertThatThrownBy(() -> prepare(Map.of("path", qa.toString(), "type", "prompt_completion")))
                .hasMessageContaining(qa + ":1: missing or mistyped field: \"prompt\" must be a string, found nothing");
    }

    @Test
    void fieldNamesACsvFileCannotHonourAreRefused() throws IOException {
        Path csv = Files.writeString(dir.resolve("t.csv"), "text\nhello\n");
        assertThatThrownBy(() -> prepare(Map.of("path", csv.toString(), "field_text", "text2")))
                .hasMessageContaining("datasets: " + csv + ": a CSV file is read as prompt/completion columns");
    }

    private SftData prepare(Map<String, String> dataset) {
        TrainingConfig c = TrainingConfigLoader.fromMap(Map.of("base_model", "m", "datasets", List.of(dataset), "val_set_size", 0,
                "sequence_len", 64));
        return SftData.prepare(ConfiguredRun.data(c), SftFixtures.tok512(), ChatTemplates.forTokenizer(SftFixtures.tok512()), w -> { });
    }
}
