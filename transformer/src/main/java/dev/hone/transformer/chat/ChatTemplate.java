package dev.hone.transformer.chat;

import dev.hone.transformer.tokenizer.Tokenizer;
import java.util.List;

/**
 * A chat format: turns messages into {@link ChatSegment}s, which render to the exact text of the model's Hugging
 * Face Jinja template ({@link #renderText}) or to token ids with the assistant mask ({@link #render}).
 * Implementations: {@link Llama2ChatTemplate}, {@link Llama3ChatTemplate}, {@link ChatMlTemplate},
 * {@link PlainChatTemplate}; {@link ChatTemplates} picks one for a tokenizer or by name.
 */
public sealed interface ChatTemplate permits Llama2ChatTemplate, Llama3ChatTemplate, ChatMlTemplate, PlainChatTemplate {

    /** The name {@link ChatTemplates#named} accepts. */
    String name();

    /** The conversation as segments; throws {@link IllegalArgumentException} for an order the format forbids. */
    List<ChatSegment> segments(List<Message> messages, GenerationPrompt prompt);

    /** Token ids and assistant mask of the conversation under {@code tokenizer}. */
    default ChatTokens render(Tokenizer tokenizer, List<Message> messages, GenerationPrompt prompt) {
        return ChatRenderer.tokens(name(), tokenizer, segments(messages, prompt));
    }

    /** The rendered text, with BOS/EOS written as {@code bosText}/{@code eosText} (as the Jinja template does). */
    default String renderText(List<Message> messages, GenerationPrompt prompt, String bosText, String eosText) {
        return ChatRenderer.text(segments(messages, prompt), bosText, eosText);
    }
}
