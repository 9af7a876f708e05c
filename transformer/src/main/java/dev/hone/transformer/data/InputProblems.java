package dev.hone.transformer.data;

import java.util.function.Consumer;

/**
 * Applies a {@link MalformedInputPolicy} to the problems one preparation meets: under {@code STOP} it rethrows;
 * under {@code SKIP} it counts the problem in {@link DataStats} and warns, printing the first
 * {@value #PRINTED_WARNINGS} problems in full and then only a note that more follow (the summary has the counts).
 */
public final class InputProblems {
    static final int PRINTED_WARNINGS = 10;

    private final MalformedInputPolicy policy;
    private final DataStats stats;
    private final Consumer<String> warnings;
    private long reported;

    public InputProblems(MalformedInputPolicy policy, DataStats stats, Consumer<String> warnings) {
        this.policy = policy;
        this.stats = stats;
        this.warnings = warnings;
    }

    public DataStats stats() { return stats; }

    /** Rethrows {@code problem} under STOP; otherwise counts and (for the first few) prints it. */
    public void report(DataFormatException problem) {
        if (policy == MalformedInputPolicy.STOP || problem.reason() == null) throw problem;
        stats.countSkipped(problem.reason());
        reported++;
        if (reported <= PRINTED_WARNINGS) warnings.accept("warning: skipped " + problem.getMessage());
        if (reported == PRINTED_WARNINGS + 1) {
            warnings.accept("warning: more lines skipped; see the data summary for the counts by reason");
        }
    }
}
