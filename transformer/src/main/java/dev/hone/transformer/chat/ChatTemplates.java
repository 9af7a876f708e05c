package dev.hone.transformer.chat;

import dev.hone.transformer.tokenizer.Tokenizer;
import java.util.List;
import java.util.Locale;

/** Chooses a {@link ChatTemplate}: by name, from a tokenizer's special tokens, or from a Jinja template's markers. */
public final class ChatTemplates {
    private static final List<ChatTemplate> ALL =
            List.of(new Llama2ChatTemplate(), new Llama3ChatTemplate(), new ChatMlTemplate(), new PlainChatTemplate());

    private ChatTemplates() {}

    /** {@code llama2}, {@code llama3}, {@code chatml} or {@code plain} (case-insensitive). */
    public static ChatTemplate named(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (ChatTemplate t : ALL) if (t.name().equals(wanted)) return t;
        throw new IllegalArgumentException("unknown chat template '" + name + "' (known: llama2, llama3, chatml, plain)");
    }

    /**
     * Llama 3 if the tokenizer has {@code <|start_header_id|>}, {@code <|end_header_id|>} and {@code <|eot_id|>};
     * ChatML if it has {@code <|im_start|>} and {@code <|im_end|>}; otherwise {@link PlainChatTemplate} (Llama 2's
     * format uses no special tokens, so it is chosen by name or from the model's Jinja template).
     */
    public static ChatTemplate forTokenizer(Tokenizer tokenizer) {
        if (has(tokenizer, "<|start_header_id|>") && has(tokenizer, "<|end_header_id|>") && has(tokenizer, "<|eot_id|>")) {
            return new Llama3ChatTemplate();
        }
        if (has(tokenizer, "<|im_start|>") && has(tokenizer, "<|im_end|>")) return new ChatMlTemplate();
        return new PlainChatTemplate();
    }

    /** The format a Hugging Face {@code chat_template} (Jinja source) writes, recognised by its markers. */
    public static ChatTemplate fromJinja(String jinjaSource) {
        if (jinjaSource.contains("<|start_header_id|>")) return new Llama3ChatTemplate();
        if (jinjaSource.contains("<|im_start|>")) return new ChatMlTemplate();
        if (jinjaSource.contains("[INST]")) return new Llama2ChatTemplate();
        throw new IllegalArgumentException("chat_template not recognised (no <|start_header_id|>, <|im_start|> or [INST])");
    }

    private static boolean has(Tokenizer tokenizer, String content) {
        return tokenizer.specialTokenId(content).isPresent();
    }
}
