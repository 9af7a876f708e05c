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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Generation-based accuracy on labelled chat data, for tasks whose every label has one canonical reply (the
 * customer-support set: 27 intents, each answered by exactly one response text). For the first {@code n}
 * labelled validation conversations the model answers the prompt greedily, and two scores are kept:
 * <ul>
 *   <li>exact match: the generated reply equals the reference reply (both stripped of surrounding white space);</li>
 *   <li>intent accuracy: the label whose canonical training reply shares the longest common token prefix with the
 *       generated reply equals the example's label; a tie between labels, or no common token, predicts none.</li>
 * </ul>
 * The canonical reply of a label is its most frequent training reply (ties: the first seen). Greedy decoding is
 * deterministic, so the scores are a pure function of the model and the data.
 */
final class ReplyAccuracy {
    /** KV-cache memory the batched greedy decoding may use. */
    static final long CACHE_BUDGET_BYTES = 64L << 20;
    /**
     * Prompt tokens of one batched prefill: its activations all live until the pass ends, so this bounds them as the
     * validation-loss pass of two 512-token rows does.
     */
    static final int PREFILL_TOKENS = 1024;

    /** One answered prompt. */
    record Sample(String prompt, String reference, String generated, Optional<String> label, Optional<String> predictedLabel) {
        boolean exact() { return generated.strip().equals(reference.strip()); }

        boolean labelCorrect() { return label.isPresent() && label.equals(predictedLabel); }
    }

    /** The scores over {@code samples} (all of them labelled when {@code labelled}). */
    record Scores(List<Sample> samples) {
        Scores { samples = List.copyOf(samples); }

        double exactMatch() { return samples.isEmpty() ? Double.NaN : samples.stream().filter(Sample::exact).count() / (double) samples.size(); }

        double labelAccuracy() {
            return samples.isEmpty() ? Double.NaN : samples.stream().filter(Sample::labelCorrect).count() / (double) samples.size();
        }
    }

    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final String labelKey;
    private final Map<String, int[]> canonical;
    private final int maxNewTokens;

    private ReplyAccuracy(Tokenizer tokenizer, ChatTemplate template, String labelKey, Map<String, int[]> canonical, int maxNewTokens) {
        this.tokenizer = tokenizer;
        this.template = template;
        this.labelKey = labelKey;
        this.canonical = canonical;
        this.maxNewTokens = maxNewTokens;
    }

    /** Canonical replies from the labelled chat examples of {@code train}; empty when none is labelled with {@code labelKey}. */
    static Optional<ReplyAccuracy> of(List<TokenizedExample> train, Tokenizer tokenizer, ChatTemplate template, String labelKey) {
        Map<String, Map<String, Integer>> counts = new LinkedHashMap<>();
        for (TokenizedExample t : train) {
            if (!(t.example() instanceof Example.Chat chat)) continue;
            Optional<String> label = chat.label(labelKey);
            if (label.isEmpty()) continue;
            counts.computeIfAbsent(label.get(), k -> new LinkedHashMap<>()).merge(chat.lastAssistantContent().strip(), 1, Integer::sum);
        }
        if (counts.isEmpty()) return Optional.empty();
        Map<String, int[]> canonical = new TreeMap<>();
        int longest = 0;
        for (Map.Entry<String, Map<String, Integer>> e : counts.entrySet()) {
            String best = null;
            int bestCount = 0;
            for (Map.Entry<String, Integer> reply : e.getValue().entrySet()) {
                if (reply.getValue() > bestCount) {
                    best = reply.getKey();
                    bestCount = reply.getValue();
                }
            }
            int[] ids = tokenizer.encode(best, false);
            canonical.put(e.getKey(), ids);
            longest = Math.max(longest, ids.length);
        }
        return Optional.of(new ReplyAccuracy(tokenizer, template, labelKey, canonical, longest + 8));
    }

    /** Number of labels with a canonical reply. */
    int labelCount() { return canonical.size(); }

    /** Whether every label had exactly one distinct reply in training (the premise of the intent score). */
    static boolean oneReplyPerLabel(List<TokenizedExample> train, String labelKey) {
        Map<String, Set<String>> replies = new HashMap<>();
        for (TokenizedExample t : train) {
            if (t.example() instanceof Example.Chat chat && chat.label(labelKey).isPresent()) {
                replies.computeIfAbsent(chat.label(labelKey).get(), k -> new HashSet<>()).add(chat.lastAssistantContent().strip());
            }
        }
        return replies.values().stream().allMatch(s -> s.size() == 1);
    }

    /**
     * Greedy answers of {@code model} to the first {@code n} labelled chat examples of {@code validation}, scored.
     * Replies end at EOS or after {@code maxNewTokens} (the longest canonical reply plus a margin); the prompts are
     * decoded together in batches whose KV cache stays within {@value #CACHE_BUDGET_BYTES} bytes and whose padded
     * prompts hold at most {@value #PREFILL_TOKENS} tokens.
     */
    Scores score(LlamaModel model, List<TokenizedExample> validation, int n) {
        Generator generator = new Generator(model);
        Set<Integer> stops = new HashSet<>(model.config().eosTokenIds());
        tokenizer.eosId().ifPresent(stops::add);
        GenerationConfig greedy = GenerationConfig.greedy(maxNewTokens, stops);
        List<Example.Chat> chats = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        int longest = 0;
        for (TokenizedExample t : validation) {
            if (chats.size() >= n) break;
            if (!(t.example() instanceof Example.Chat chat) || chat.label(labelKey).isEmpty()) continue;
            int[] prompt = template.render(tokenizer, chat.promptMessages(), GenerationPrompt.APPEND).ids();
            if (prompt.length + 1 >= model.config().maxPositionEmbeddings()) continue;
            chats.add(chat);
            prompts.add(prompt);
            longest = Math.max(longest, prompt.length);
        }
        int batch = Math.min(generator.batchWithin(CACHE_BUDGET_BYTES, Math.min(longest + maxNewTokens, model.config().maxPositionEmbeddings())),
                Math.max(1, PREFILL_TOKENS / Math.max(1, longest)));
        List<int[]> replies = generator.generateAll(prompts, greedy, batch);
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < chats.size(); i++) {
            Example.Chat chat = chats.get(i);
            String generated = tokenizer.decode(replies.get(i));
            String promptText = chat.promptMessages().isEmpty() ? "" : chat.promptMessages().getLast().content();
            samples.add(new Sample(promptText, chat.lastAssistantContent(), generated, chat.label(labelKey), predict(generated)));
        }
        return new Scores(samples);
    }

    /** The label whose canonical reply shares the longest token prefix with {@code generated}; none on a tie or no overlap. */
    Optional<String> predict(String generated) {
        int[] ids = tokenizer.encode(generated.strip(), false);
        String best = null;
        int bestLength = 0;
        boolean tie = false;
        for (Map.Entry<String, int[]> e : canonical.entrySet()) {
            int common = commonPrefix(ids, e.getValue());
            if (common > bestLength) {
                best = e.getKey();
                bestLength = common;
                tie = false;
            } else if (common == bestLength && common > 0) {
                tie = true;
            }
        }
        return best == null || tie ? Optional.empty() : Optional.of(best);
    }

    static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length), i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }
}
