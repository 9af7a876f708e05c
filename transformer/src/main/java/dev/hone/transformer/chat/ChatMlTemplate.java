package dev.hone.transformer.chat;

import static dev.hone.transformer.chat.ChatSegment.Target.ASSISTANT;
import static dev.hone.transformer.chat.ChatSegment.Target.CONTEXT;

import java.util.ArrayList;
import java.util.List;

/**
 * ChatML (Qwen, many fine-tunes), as the Hugging Face ChatML template: per message
 * {@code <|im_start|>role\n + content + <|im_end|>\n}; the generation prompt is {@code <|im_start|>assistant\n}.
 * No default system prompt is inserted. The assistant mask covers the content and its {@code <|im_end|>}, not the
 * newline after it.
 */
public record ChatMlTemplate() implements ChatTemplate {

    @Override
    public String name() { return "chatml"; }

    @Override
    public List<ChatSegment> segments(List<Message> messages, GenerationPrompt prompt) {
        List<ChatSegment> out = new ArrayList<>();
        for (Message m : messages) {
            ChatSegment.Target target = m.role() == Role.ASSISTANT ? ASSISTANT : CONTEXT;
            out.add(new ChatSegment.Special("<|im_start|>", CONTEXT));
            out.add(new ChatSegment.Text(m.role().spelling() + "\n", CONTEXT));
            out.add(new ChatSegment.Text(m.content(), target));
            out.add(new ChatSegment.Special("<|im_end|>", target));
            out.add(new ChatSegment.Text("\n", CONTEXT));
        }
        if (prompt == GenerationPrompt.APPEND) {
            out.add(new ChatSegment.Special("<|im_start|>", CONTEXT));
            out.add(new ChatSegment.Text("assistant\n", CONTEXT));
        }
        return out;
    }
}
