package dev.hone.transformer.sft;

import dev.hone.transformer.chat.ChatTemplate;
import dev.hone.transformer.chat.GenerationPrompt;
import dev.hone.transformer.data.Example;
import dev.hone.transformer.data.TokenizedExample;
import dev.hone.transformer.generation.GenerationConfig;
import dev.hone.transformer.generation.Generator;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Greedy replies (at most {@value #MAX_NEW_TOKENS} tokens, ending at EOS) to the first chat prompts of the
 * validation set, decoded together, as "prompt -> reply" lines, so a person can see what training changed.
 * Plain-text examples have no prompt and are skipped.
 */
final class SampleGenerations {
    static final int MAX_NEW_TOKENS = 96;

    private SampleGenerations() { }

    static List<String> of(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, List<TokenizedExample> validation, int count) {
        Set<Integer> stops = new HashSet<>(model.config().eosTokenIds());
        tokenizer.eosId().ifPresent(stops::add);
        Generator generator = new Generator(model);
        List<Example.Chat> chats = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        for (TokenizedExample t : validation) {
            if (chats.size() >= count) break;
            if (!(t.example() instanceof Example.Chat chat) || chat.promptMessages().isEmpty()) continue;
            int[] prompt = template.render(tokenizer, chat.promptMessages(), GenerationPrompt.APPEND).ids();
            if (prompt.length + 1 >= model.config().maxPositionEmbeddings()) continue;
            chats.add(chat);
            prompts.add(prompt);
        }
        List<int[]> replies = generator.generateAll(prompts, GenerationConfig.greedy(MAX_NEW_TOKENS, stops), Math.max(1, count));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < chats.size(); i++) {
            out.add(chats.get(i).promptMessages().getLast().content() + "\n    -> " + tokenizer.decode(replies.get(i)));
        }
        return out;
    }
}
