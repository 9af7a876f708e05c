package dev.hone.transformer.chat;

import static dev.hone.transformer.chat.ChatSegment.Target.ASSISTANT;
import static dev.hone.transformer.chat.ChatSegment.Target.CONTEXT;

import java.util.ArrayList;
import java.util.List;

/**
 * Llama 2 chat, as Meta's reference {@code chat_completion} and the Hugging Face template of
 * meta-llama/Llama-2-7b-chat-hf: an optional first system message is folded into the first user turn as
 * {@code <<SYS>>\n…\n<</SYS>>\n\n}; each user turn is {@code BOS "[INST] " + strip(content) + " [/INST]"}, each
 * assistant turn {@code " " + strip(content) + " " EOS}. Roles must alternate user/assistant after the system
 * message. The assistant mask covers {@code " " + content + " "} and the EOS. There is no separate generation
 * prompt: a conversation ending in a user turn already ends with {@code [/INST]}.
 */
public record Llama2ChatTemplate() implements ChatTemplate {

    @Override
    public String name() { return "llama2"; }

    @Override
    public List<ChatSegment> segments(List<Message> messages, GenerationPrompt prompt) {
        List<Message> turns = messages;
        String system = null;
        if (!messages.isEmpty() && messages.getFirst().role() == Role.SYSTEM) {
            system = messages.getFirst().content();
            turns = messages.subList(1, messages.size());
        }
        List<ChatSegment> out = new ArrayList<>();
        for (int i = 0; i < turns.size(); i++) {
            Message m = turns.get(i);
            Role expected = i % 2 == 0 ? Role.USER : Role.ASSISTANT;
            if (m.role() != expected) {
                throw new IllegalArgumentException("chat template llama2: message " + (system == null ? i : i + 1) + " is "
                        + m.role().spelling() + " but roles must alternate user/assistant after an optional first system message");
            }
            String content = i == 0 && system != null
                    ? "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + m.content() : m.content();
            if (m.role() == Role.USER) {
                out.add(new ChatSegment.Bos(CONTEXT));
                out.add(new ChatSegment.Text("[INST] " + content.strip() + " [/INST]", CONTEXT));
            } else {
                out.add(new ChatSegment.Text(" " + content.strip() + " ", ASSISTANT));
                out.add(new ChatSegment.Eos(ASSISTANT));
            }
        }
        return out;
    }
}
