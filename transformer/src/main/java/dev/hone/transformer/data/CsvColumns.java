package dev.hone.transformer.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which CSV columns (by header name) make an example: the user/prompt text, the assistant/completion text, an
 * optional system text, and label columns kept as {@link Example#metadata()} (e.g. {@code intent}).
 * {@link #detect} recognises the usual header spellings.
 */
public record CsvColumns(String user, String assistant, Optional<String> system, List<String> labels) {
    private static final List<List<String>> PAIRS = List.of(List.of("prompt", "completion"), List.of("user", "assistant"),
            List.of("instruction", "response"), List.of("question", "answer"), List.of("input", "output"));
    private static final List<String> LABELS = List.of("label", "intent", "category");

    public CsvColumns {
        labels = List.copyOf(labels);
        if (user.equals(assistant)) throw new IllegalArgumentException("CsvColumns: user and assistant column are both '" + user + "'");
    }

    /** A user and an assistant column, nothing else. */
    public static CsvColumns of(String user, String assistant) { return new CsvColumns(user, assistant, Optional.empty(), List.of()); }

    /** This mapping with {@code labels} kept as metadata. */
    public CsvColumns withLabels(String... labels) { return new CsvColumns(user, assistant, system, List.of(labels)); }

    /**
     * The mapping a header implies: the first present pair of prompt/completion, user/assistant,
     * instruction/response, question/answer, input/output; {@code system} if present; and whichever of
     * {@code label}, {@code intent}, {@code category} are present as labels.
     */
    public static CsvColumns detect(Set<String> header, String file) {
        for (List<String> pair : PAIRS) {
            if (header.contains(pair.get(0)) && header.contains(pair.get(1))) {
                List<String> labels = new ArrayList<>();
                for (String label : LABELS) if (header.contains(label)) labels.add(label);
                Optional<String> system = header.contains("system") ? Optional.of("system") : Optional.empty();
                return new CsvColumns(pair.get(0), pair.get(1), system, labels);
            }
        }
        throw new IllegalArgumentException("CSV " + file + ": cannot tell which columns hold the conversation (header " + header
                + "); expected one of the pairs " + PAIRS + ", or name the columns explicitly");
    }
}
