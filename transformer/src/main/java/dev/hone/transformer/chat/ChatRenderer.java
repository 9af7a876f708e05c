package dev.hone.transformer.chat;

import dev.hone.transformer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * Turns {@link ChatSegment}s into text or tokens. Each maximal run of text segments is encoded as one string
 * (without BOS), exactly as a tokenizer sees the rendered template between special tokens; the mask boundary
 * between two segments of a run is the token count of the run's prefix, so it is exact whenever the segment
 * boundary is also a token boundary (true for the templates here: a header ends in a newline or {@code [/INST]}).
 * If a token straddles the boundary it belongs to the later segment.
 */
final class ChatRenderer {
    private ChatRenderer() {}

    static String text(List<ChatSegment> segments, String bosText, String eosText) {
        StringBuilder out = new StringBuilder();
        for (ChatSegment segment : segments) {
            switch (segment) {
                case ChatSegment.Text t -> out.append(t.text());
                case ChatSegment.Bos b -> out.append(bosText);
                case ChatSegment.Eos e -> out.append(eosText);
                case ChatSegment.Special s -> out.append(s.content());
            }
        }
        return out.toString();
    }

    static ChatTokens tokens(String template, Tokenizer tokenizer, List<ChatSegment> segments) {
        List<Integer> ids = new ArrayList<>();
        List<Boolean> mask = new ArrayList<>();
        int i = 0;
        while (i < segments.size()) {
            ChatSegment segment = segments.get(i);
            if (!(segment instanceof ChatSegment.Text)) {
                ids.add(specialId(template, tokenizer, segment));
                mask.add(segment.target() == ChatSegment.Target.ASSISTANT);
                i++;
                continue;
            }
            int end = i;
            while (end < segments.size() && segments.get(end) instanceof ChatSegment.Text) end++;
            appendTextRun(tokenizer, segments.subList(i, end), ids, mask);
            i = end;
        }
        int[] idArray = new int[ids.size()];
        boolean[] maskArray = new boolean[mask.size()];
        for (int k = 0; k < idArray.length; k++) {
            idArray[k] = ids.get(k);
            maskArray[k] = mask.get(k);
        }
        return new ChatTokens(idArray, maskArray);
    }

    private static void appendTextRun(Tokenizer tokenizer, List<ChatSegment> run, List<Integer> ids, List<Boolean> mask) {
        StringBuilder joined = new StringBuilder();
        for (ChatSegment s : run) joined.append(((ChatSegment.Text) s).text());
        if (joined.isEmpty()) return;
        int[] all = tokenizer.encode(joined.toString(), false);
        StringBuilder prefix = new StringBuilder();
        int start = 0;
        for (int k = 0; k < run.size(); k++) {
            ChatSegment.Text s = (ChatSegment.Text) run.get(k);
            prefix.append(s.text());
            int end = all.length;
            if (k + 1 < run.size()) {
                int[] head = tokenizer.encode(prefix.toString(), false);
                end = Math.max(start, Math.min(head.length, commonPrefix(head, all)));
            }
            for (int t = start; t < end; t++) {
                ids.add(all[t]);
                mask.add(s.target() == ChatSegment.Target.ASSISTANT);
            }
            start = end;
        }
    }

    private static int commonPrefix(int[] a, int[] b) {
        int mismatch = Arrays.mismatch(a, b);
        return mismatch < 0 ? Math.min(a.length, b.length) : mismatch;
    }

    private static int specialId(String template, Tokenizer tokenizer, ChatSegment segment) {
        OptionalInt id = switch (segment) {
            case ChatSegment.Bos b -> tokenizer.bosId();
            case ChatSegment.Eos e -> tokenizer.eosId();
            case ChatSegment.Special s -> {
                OptionalInt special = tokenizer.specialTokenId(s.content());
                yield special.isPresent() ? special : tokenizer.tokenToId(s.content());
            }
            case ChatSegment.Text t -> throw new IllegalStateException("text is not a special token");
        };
        return id.orElseThrow(() -> new IllegalArgumentException("chat template " + template + ": the tokenizer has no "
                + describe(segment) + " token; pick a template that fits its vocabulary"));
    }

    private static String describe(ChatSegment segment) {
        return switch (segment) {
            case ChatSegment.Bos b -> "BOS";
            case ChatSegment.Eos e -> "EOS";
            case ChatSegment.Special s -> "'" + s.content() + "'";
            case ChatSegment.Text t -> "text";
        };
    }
}
