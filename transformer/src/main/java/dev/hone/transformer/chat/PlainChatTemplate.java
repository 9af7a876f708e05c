package dev.hone.transformer.chat;

import static dev.hone.transformer.chat.ChatSegment.Target.ASSISTANT;
import static dev.hone.transformer.chat.ChatSegment.Target.CONTEXT;

import java.util.ArrayList;
import java.util.List;

/**
 * Hone's fallback for vocabularies without chat tokens (e.g. stories260K's 512 pieces). Rendered text:
 * <pre>
 * BOS System: {system}\n User: {user}\n Assistant: {assistant} EOS User: {user}\n Assistant: {assistant} EOS
 * </pre>
 * (without the spaces around BOS/EOS and line breaks shown here for reading): BOS once at the start; a system turn
 * is {@code "System: " + content + "\n"}, a user turn {@code "User: " + content + "\n"}, an assistant turn
 * {@code "Assistant:" + " " + content} closed by EOS. The generation prompt is {@code "Assistant:"}. The mask
 * covers {@code " " + content} and the EOS.
 */
public record PlainChatTemplate() implements ChatTemplate {

    @Override
    public String name() { return "plain"; }

    @Override
    public List<ChatSegment> segments(List<Message> messages, GenerationPrompt prompt) {
        List<ChatSegment> out = new ArrayList<>();
        out.add(new ChatSegment.Bos(CONTEXT));
        for (Message m : messages) {
            switch (m.role()) {
                case SYSTEM -> out.add(new ChatSegment.Text("System: " + m.content() + "\n", CONTEXT));
                case USER -> out.add(new ChatSegment.Text("User: " + m.content() + "\n", CONTEXT));
                case ASSISTANT -> {
                    out.add(new ChatSegment.Text("Assistant:", CONTEXT));
                    out.add(new ChatSegment.Text(" " + m.content(), ASSISTANT));
                    out.add(new ChatSegment.Eos(ASSISTANT));
                }
            }
        }
        if (prompt == GenerationPrompt.APPEND) out.add(new ChatSegment.Text("Assistant:", CONTEXT));
        return out;
    }
}
