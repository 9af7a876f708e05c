package dev.hone.transformer.chat;

import static dev.hone.transformer.chat.ChatSegment.Target.ASSISTANT;
import static dev.hone.transformer.chat.ChatSegment.Target.CONTEXT;

import java.util.ArrayList;
import java.util.List;

/**
 * Llama 3 chat, as the Hugging Face template of meta-llama/Meta-Llama-3-8B-Instruct: BOS, then per message
 * {@code <|start_header_id|>role<|end_header_id|>\n\n + trim(content) + <|eot_id|>}; the generation prompt is the
 * assistant header. The assistant mask covers the trimmed content and its {@code <|eot_id|>}.
 */
public record Llama3ChatTemplate() implements ChatTemplate {

    @Override
    public String name() { return "llama3"; }

    @Override
    public List<ChatSegment> segments(List<Message> messages, GenerationPrompt prompt) {
        List<ChatSegment> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            ChatSegment.Target target = m.role() == Role.ASSISTANT ? ASSISTANT : CONTEXT;
            if (i == 0) out.add(new ChatSegment.Bos(CONTEXT));
            header(out, m.role());
            out.add(new ChatSegment.Text(m.content().strip(), target));
            out.add(new ChatSegment.Special("<|eot_id|>", target));
        }
        if (prompt == GenerationPrompt.APPEND) header(out, Role.ASSISTANT);
        return out;
    }

    private static void header(List<ChatSegment> out, Role role) {
        out.add(new ChatSegment.Special("<|start_header_id|>", CONTEXT));
        out.add(new ChatSegment.Text(role.spelling(), CONTEXT));
        out.add(new ChatSegment.Special("<|end_header_id|>", CONTEXT));
        out.add(new ChatSegment.Text("\n\n", CONTEXT));
    }
}
