package dev.hone.lora;

import java.nio.file.Path;
import java.util.List;

/**
 * An adapter that does not fit the model it is loaded into: every problem found (base model, target
 * modules, missing or unknown tensors, shapes, dtypes) is listed, not just the first.
 */
public final class AdapterMismatchException extends RuntimeException {
    private final List<String> problems;

    public AdapterMismatchException(Path adapter, List<String> problems) {
        super("adapter " + adapter + " does not fit the model (" + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):\n  - "
                + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() { return problems; }
}
