package dev.hone.transformer.data;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Counters of one data preparation: examples read, skipped (by {@link SkipReason}), duplicates, contaminated
 * validation examples, truncated and dropped (by {@link DropReason}) examples, tokens, and rows. A mutable
 * accumulator owned by one preparation (not shared between threads); {@link #summary()} prints it for people.
 */
public final class DataStats {
    private long examplesRead;
    private final Map<SkipReason, Long> skipped = new EnumMap<>(SkipReason.class);
    private long duplicates;
    private long contaminated;
    private long truncated;
    private final Map<DropReason, Long> dropped = new EnumMap<>(DropReason.class);
    private long trainExamples;
    private long validationExamples;
    private long trainTokens;
    private long trainTrainableTokens;
    private long validationTokens;
    private long trainRows;
    private long validationRows;

    void countRead() { examplesRead++; }

    void countSkipped(SkipReason reason) { skipped.merge(reason, 1L, Long::sum); }

    void countDuplicate() { duplicates++; }

    void countContaminated(long count) { contaminated += count; }

    void countTruncated() { truncated++; }

    void countDropped(DropReason reason) { dropped.merge(reason, 1L, Long::sum); }

    void countTrain(long examples, long tokens, long trainableTokens, long rows) {
        trainExamples += examples;
        trainTokens += tokens;
        trainTrainableTokens += trainableTokens;
        trainRows += rows;
    }

    void countValidation(long examples, long tokens, long rows) {
        validationExamples += examples;
        validationTokens += tokens;
        validationRows += rows;
    }

    /** Examples parsed successfully (before duplicate removal). */
    public long examplesRead() { return examplesRead; }

    public long skipped(SkipReason reason) { return skipped.getOrDefault(reason, 0L); }

    public long skippedTotal() { return skipped.values().stream().mapToLong(Long::longValue).sum(); }

    public long duplicates() { return duplicates; }

    /** Validation examples whose content also occurs in the training set. */
    public long contaminated() { return contaminated; }

    /** Examples cut to {@code sequence_len} (including those then dropped for having no trainable token left). */
    public long truncated() { return truncated; }

    public long dropped(DropReason reason) { return dropped.getOrDefault(reason, 0L); }

    public long droppedTotal() { return dropped.values().stream().mapToLong(Long::longValue).sum(); }

    public long trainExamples() { return trainExamples; }

    public long validationExamples() { return validationExamples; }

    /** Tokens of the training examples (after truncation, before padding). */
    public long trainTokens() { return trainTokens; }

    /** Training tokens that carry loss. */
    public long trainTrainableTokens() { return trainTrainableTokens; }

    public long validationTokens() { return validationTokens; }

    public long trainRows() { return trainRows; }

    public long validationRows() { return validationRows; }

    /** One line: how many examples were read and where the ones that are not used went (for an empty result's error). */
    public String account() {
        StringBuilder out = new StringBuilder().append(examplesRead).append(" examples read");
        appendSkipped(out);
        out.append(", ").append(duplicates).append(" duplicates removed, ");
        appendDropped(out);
        return out.toString();
    }

    /** A few lines for a person: what was read, what was left out and why, and how big the result is. */
    public String summary() {
        StringBuilder out = new StringBuilder();
        out.append("data: ").append(examplesRead).append(" examples read");
        appendSkipped(out);
        out.append(", ").append(duplicates).append(" duplicates removed\n");
        out.append("      ").append(truncated).append(" truncated, ");
        appendDropped(out);
        out.append(", ").append(contaminated).append(" validation examples also in training\n");
        out.append("      train ").append(trainExamples).append(" examples, ").append(trainTokens).append(" tokens (")
                .append(trainTrainableTokens).append(" trainable) in ").append(trainRows).append(" rows; validation ")
                .append(validationExamples).append(" examples, ").append(validationTokens).append(" tokens in ")
                .append(validationRows).append(" rows");
        return out.toString();
    }

    /** ", 3 lines skipped (2 malformed JSON, 1 ...)", or nothing when none was. */
    private void appendSkipped(StringBuilder out) {
        if (skipped.isEmpty()) return;
        out.append(", ").append(skippedTotal()).append(" lines skipped (");
        appendCounts(out, skipped, SkipReason::description);
        out.append(')');
    }

    /** "4 dropped (4 longer than sequence_len)", or "0 dropped". */
    private void appendDropped(StringBuilder out) {
        out.append(droppedTotal()).append(" dropped");
        if (dropped.isEmpty()) return;
        out.append(" (");
        appendCounts(out, dropped, DropReason::description);
        out.append(')');
    }

    private static <K> void appendCounts(StringBuilder out, Map<K, Long> counts, Function<K, String> name) {
        String separator = "";
        for (Map.Entry<K, Long> e : counts.entrySet()) {
            out.append(separator).append(e.getValue()).append(' ').append(name.apply(e.getKey()));
            separator = ", ";
        }
    }
}
