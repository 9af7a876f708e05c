package dev.hone.transformer.data;

import dev.hone.transformer.chat.ChatTemplate;
import dev.hone.transformer.chat.ChatTokens;
import dev.hone.transformer.chat.GenerationPrompt;
import dev.hone.transformer.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Optional;

/**
 * Tokenizes {@link Example}s for supervised fine-tuning. A chat goes through the {@link ChatTemplate}: its assistant
 * mask (assistant content plus the end-of-turn/EOS token closing each turn) is the trainable set, or every token
 * under {@link TrainOn#ALL_TOKENS}. Text is {@code BOS + encode(text) + EOS}, all trainable. Examples longer than
 * {@code sequenceLen} are cut to their first {@code sequenceLen} tokens or dropped ({@link OverlongPolicy}); one
 * left with no trainable token is dropped, since it would give no loss. Counts go to {@link DataStats}.
 */
public final class ExampleEncoder {
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final int sequenceLen;
    private final TrainOn trainOn;
    private final OverlongPolicy overlong;

    public ExampleEncoder(Tokenizer tokenizer, ChatTemplate template, int sequenceLen, TrainOn trainOn, OverlongPolicy overlong) {
        if (sequenceLen < 2) throw new IllegalArgumentException("ExampleEncoder: sequence_len must be at least 2, got " + sequenceLen);
        this.tokenizer = tokenizer;
        this.template = template;
        this.sequenceLen = sequenceLen;
        this.trainOn = trainOn;
        this.overlong = overlong;
    }

    public int sequenceLen() { return sequenceLen; }

    /**
     * The tokens of {@code example}, or empty when it is dropped (counted in {@code stats}). A conversation the
     * template refuses (e.g. Llama 2's strict user/assistant alternation) is a {@link DataFormatException}
     * ({@link SkipReason#TEMPLATE_REJECTED}) naming the example's {@code file:line}.
     */
    public Optional<TokenizedExample> encode(Example example, DataStats stats) {
        int[] ids;
        boolean[] trainable;
        switch (example) {
            case Example.Chat chat -> {
                ChatTokens tokens;
                try {
                    tokens = template.render(tokenizer, chat.messages(), GenerationPrompt.OMIT);
                } catch (IllegalArgumentException e) {
                    throw new DataFormatException(chat.source(), SkipReason.TEMPLATE_REJECTED, e.getMessage());
                }
                ids = tokens.ids();
                trainable = trainOn == TrainOn.ALL_TOKENS ? allTrue(ids.length) : tokens.assistantMask();
            }
            case Example.Text text -> {
                int[] body = tokenizer.encode(text.text(), true);
                int eos = tokenizer.eosId().orElseThrow(() -> new IllegalArgumentException(
                        "ExampleEncoder: text example " + text.source() + " needs an EOS token, and the tokenizer has none"));
                ids = Arrays.copyOf(body, body.length + 1);
                ids[body.length] = eos;
                trainable = allTrue(ids.length);
            }
        }
        if (ids.length > sequenceLen) {
            if (overlong == OverlongPolicy.DROP) {
                stats.countDropped(DropReason.TOO_LONG);
                return Optional.empty();
            }
            stats.countTruncated();
            ids = Arrays.copyOf(ids, sequenceLen);
            trainable = Arrays.copyOf(trainable, sequenceLen);
        }
        if (TokenizedExample.targetCount(trainable) == 0) {
            stats.countDropped(DropReason.NO_TRAINABLE_TOKENS);
            return Optional.empty();
        }
        return Optional.of(new TokenizedExample(ids, trainable, example));
    }

    private static boolean[] allTrue(int length) {
        boolean[] out = new boolean[length];
        Arrays.fill(out, true);
        return out;
    }
}
