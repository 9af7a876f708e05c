package dev.hone.transformer.train.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line flags that override config keys: {@code --learning_rate 1e-4}, {@code --learning-rate=1e-4},
 * and a bare {@code --sample_packing} for true. Dashes in names become underscores; a later flag wins.
 * Values stay strings here; {@link TrainingConfigLoader#applyOverrides} reads them as YAML and validates them
 * with the same rules (and unknown-key suggestions) as a config file.
 */
public final class CliOverrides {
    private CliOverrides() { }

    /** The flags of {@code args}, in order; anything that is not a {@code --flag} or its value is an error naming it. */
    public static Map<String, String> parse(List<String> args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new TrainingConfigException("command line", List.of("expected --key value or --key=value, got '" + arg + "'"));
            }
            String body = arg.substring(2);
            int eq = body.indexOf('=');
            if (eq >= 0) {
                out.put(KeySuggestions.normalise(body.substring(0, eq)), body.substring(eq + 1));
            } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                out.put(KeySuggestions.normalise(body), args.get(++i));
            } else {
                out.put(KeySuggestions.normalise(body), "true");
            }
        }
        return out;
    }
}
