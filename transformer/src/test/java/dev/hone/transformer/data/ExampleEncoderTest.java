package dev.hone.transformer.data;

import static dev.hone.transformer.data.DataFixtures.readAll;
import static dev.hone.transformer.data.DataFixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hone.transformer.chat.ChatTemplate;
import dev.hone.transformer.chat.ChatTemplates;
import dev.hone.transformer.chat.Message;
import dev.hone.transformer.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Example → tokens with the stories260K tokenizer (plain template): on real customer-support conversations the
 * trainable tokens are exactly the assistant reply followed by EOS (decoding them gives the reply back); text is
 * all trainable with BOS and EOS; train_on_inputs; truncation, the drop policy, and dropping examples whose
 * assistant part is cut off entirely.
 */
class ExampleEncoderTest {
    private static final Tokenizer TOKENIZER = DataFixtures.tok512();
    private static final ChatTemplate TEMPLATE = ChatTemplates.forTokenizer(TOKENIZER);
    private static final int EOS = TOKENIZER.eosId().orElseThrow();
    private static final int BOS = TOKENIZER.bosId().orElseThrow();

    private static ExampleEncoder encoder(int sequenceLen, TrainOn trainOn, OverlongPolicy overlong) {
        return new ExampleEncoder(TOKENIZER, TEMPLATE, sequenceLen, trainOn, overlong);
    }

    @Test
    void customerSupportMaskIsExactlyTheAssistantReplyAndEos(@TempDir Path dir) {
        assertThat(TEMPLATE.name()).isEqualTo("plain");
        List<Example> examples = readAll(DataSource.of(DataFixtures.firstLines(DataFixtures.customerSupportJsonl(), 200, dir)));
        ExampleEncoder encoder = encoder(4096, TrainOn.ASSISTANT, OverlongPolicy.TRUNCATE);
        DataStats stats = new DataStats();
        for (Example example : examples) {
            TokenizedExample tokens = encoder.encode(example, stats).orElseThrow();
            int first = indexOf(tokens.trainable(), true);
            int[] masked = Arrays.copyOfRange(tokens.ids(), first, tokens.length());
            assertThat(Arrays.copyOfRange(tokens.trainable(), first, tokens.length())).as("one contiguous trainable tail")
                    .doesNotContain(false);
            assertThat(masked[masked.length - 1]).as("ends with EOS").isEqualTo(EOS);
            assertThat(TOKENIZER.decode(masked)).isEqualTo(((Example.Chat) example).lastAssistantContent());
            String prompt = "User: " + ((Example.Chat) example).messages().getFirst().content() + "\nAssistant:";
            assertThat(TOKENIZER.decode(Arrays.copyOf(tokens.ids(), first))).as("tok512's normaliser collapses runs of spaces")
                    .isEqualTo(prompt.replaceAll(" +", " "));
            assertThat(tokens.ids()[0]).isEqualTo(BOS);
        }
        assertThat(stats.truncated() + stats.droppedTotal()).isZero();
    }

    @Test
    void multiTurnChatTrainsOnEveryAssistantTurn() {
        Example.Chat chat = (Example.Chat) readAll(DataSource.of(resource("messages.jsonl"))).get(1);
        TokenizedExample tokens = encoder(512, TrainOn.ASSISTANT, OverlongPolicy.TRUNCATE).encode(chat, new DataStats()).orElseThrow();
        int[] eosAt = positionsOf(tokens.ids(), EOS);
        assertThat(eosAt).hasSize(2);
        for (int at : eosAt) assertThat(tokens.trainable()[at]).isTrue();
        StringBuilder trained = new StringBuilder();
        for (int i = 0; i < tokens.length(); i++) {
            if (tokens.trainable()[i]) trained.append(TOKENIZER.idToToken(tokens.ids()[i]));
        }
        String pieces = trained.toString().replace('\u2581', ' ');
        assertThat(pieces).isEqualTo(" Yes, within 30 days." + TOKENIZER.idToToken(EOS) + " Open your orders and press Refund." + TOKENIZER.idToToken(EOS));
    }

    @Test
    void textIsAllTrainableBetweenBosAndEos() {
        Example text = readAll(DataSource.of(resource("text.jsonl"))).getFirst();
        TokenizedExample tokens = encoder(512, TrainOn.ASSISTANT, OverlongPolicy.TRUNCATE).encode(text, new DataStats()).orElseThrow();
        int[] body = TOKENIZER.encode("Lily saw a big dog. The dog was happy.", true);
        assertThat(Arrays.copyOf(tokens.ids(), body.length)).isEqualTo(body);
        assertThat(tokens.ids()).hasSize(body.length + 1).endsWith(EOS);
        assertThat(tokens.trainable()).doesNotContain(false);
        assertThat(tokens.targetCount()).isEqualTo(tokens.length() - 1);
    }

    @Test
    void trainOnInputsMakesEveryTokenTrainable() {
        Example chat = readAll(DataSource.of(resource("prompt_completion.jsonl"))).getFirst();
        TokenizedExample assistantOnly = encoder(512, TrainOn.ASSISTANT, OverlongPolicy.TRUNCATE).encode(chat, new DataStats()).orElseThrow();
        TokenizedExample all = encoder(512, TrainOn.ALL_TOKENS, OverlongPolicy.TRUNCATE).encode(chat, new DataStats()).orElseThrow();
        assertThat(all.ids()).isEqualTo(assistantOnly.ids());
        assertThat(all.trainable()).doesNotContain(false);
        assertThat(assistantOnly.trainable()).contains(false);
        assertThat(assistantOnly.targetCount()).isLessThan(all.targetCount());
    }

    @Test
    void overlongExamplesAreTruncatedDroppedOrLeftWithoutLoss() {
        Example chat = new Example.Chat(List.of(Message.user("Tell me a long story about a dog and a cat."),
                Message.assistant("The dog and the cat played all day.")), Map.of(), new SourceLocation("inline", 1));
        int full = encoder(512, TrainOn.ASSISTANT, OverlongPolicy.TRUNCATE).encode(chat, new DataStats()).orElseThrow().length();
        int prompt = indexOf(encoder(512, TrainOn.ASSISTANT, OverlongPolicy.TRUNCATE).encode(chat, new DataStats()).orElseThrow().trainable(), true);

        DataStats stats = new DataStats();
        TokenizedExample cut = encoder(full - 3, TrainOn.ASSISTANT, OverlongPolicy.TRUNCATE).encode(chat, stats).orElseThrow();
        assertThat(cut.length()).isEqualTo(full - 3);
        assertThat(cut.ids()).doesNotContain(EOS);
        assertThat(stats.truncated()).isEqualTo(1);

        Optional<TokenizedExample> noAnswer = encoder(prompt, TrainOn.ASSISTANT, OverlongPolicy.TRUNCATE).encode(chat, stats);
        assertThat(noAnswer).isEmpty();
        assertThat(stats.truncated()).isEqualTo(2);
        assertThat(stats.dropped(DropReason.NO_TRAINABLE_TOKENS)).isEqualTo(1);

        assertThat(encoder(full - 1, TrainOn.ASSISTANT, OverlongPolicy.DROP).encode(chat, stats)).isEmpty();
        assertThat(encoder(full, TrainOn.ASSISTANT, OverlongPolicy.DROP).encode(chat, stats)).isPresent();
        assertThat(stats.dropped(DropReason.TOO_LONG)).isEqualTo(1);
        assertThat(stats.truncated()).isEqualTo(2);
    }

    @Test
    void templateRefusalNamesTheExampleLocation() {
        Example chat = new Example.Chat(List.of(Message.assistant("first"), Message.assistant("second")), Map.of(),
                new SourceLocation("data.jsonl", 7));
        ExampleEncoder llama2 = new ExampleEncoder(TOKENIZER, ChatTemplates.named("llama2"), 512, TrainOn.ASSISTANT, OverlongPolicy.TRUNCATE);
        assertThatThrownBy(() -> llama2.encode(chat, new DataStats())).isInstanceOf(DataFormatException.class)
                .hasMessageStartingWith("data.jsonl:7: rejected by the chat template");
    }

    private static int indexOf(boolean[] values, boolean wanted) {
        for (int i = 0; i < values.length; i++) if (values[i] == wanted) return i;
        return -1;
    }

    private static int[] positionsOf(int[] ids, int wanted) {
        return java.util.stream.IntStream.range(0, ids.length).filter(i -> ids[i] == wanted).toArray();
    }
}
