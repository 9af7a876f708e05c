package dev.hone.transformer.train.config;

import java.util.List;

/**
 * A training config that cannot be used: every problem found (unknown keys with their nearest known key,
 * invalid values naming the key and the rule), reported together so one edit fixes them all.
 */
public final class TrainingConfigException extends IllegalArgumentException {
    private final String source;
    private final List<String> problems;

    public TrainingConfigException(String source, List<String> problems) {
        super(format(source, problems));
        this.source = source;
        this.problems = List.copyOf(problems);
    }

    /** Where the config came from: a file name, "command line", or "map". */
    public String source() { return source; }

    /** One line per problem, each starting with the key it concerns. */
    public List<String> problems() { return problems; }

    private static String format(String source, List<String> problems) {
        StringBuilder sb = new StringBuilder("invalid training config (").append(source).append("): ")
                .append(problems.size()).append(problems.size() == 1 ? " problem" : " problems");
        for (String p : problems) sb.append("\n  - ").append(p);
        return sb.toString();
    }
}
