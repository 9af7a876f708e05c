package dev.hone.transformer.sft;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hone.tensor.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The before/after comparison of a run in full ({@value #FILE} next to summary.json): validation loss and
 * perplexity, exact-match and label accuracy of greedy replies (with how many prompts were answered), the
 * forgetting-check perplexity and the sample replies, for the starting and the fine-tuned model. Written
 * through a temporary file and an atomic rename.
 */
final class EvaluationReport {
    static final String FILE = "evaluation.json";

    private EvaluationReport() { }

    static void write(Path file, Optional<ModelEvaluation> before, ModelEvaluation after) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        before.ifPresent(b -> put(root.putObject("before"), b));
        put(root.putObject("after"), after);
        try {
            AtomicFiles.writeString(file, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("EvaluationReport: cannot write " + file + ": " + e, e);
        }
    }

    private static void put(ObjectNode o, ModelEvaluation e) {
        o.put("eval_loss", e.loss());
        o.put("eval_ppl", e.perplexity());
        e.exactMatch().ifPresent(v -> o.put("exact_match", v));
        e.labelAccuracy().ifPresent(v -> o.put("label_accuracy", v));
        o.put("answered_prompts", e.answered());
        e.forgettingPerplexity().ifPresent(v -> o.put("forgetting_ppl", v));
        e.samples().forEach(o.putArray("samples")::add);
    }

    /** The reply-accuracy rows of the console comparison (the losses are in the summary's table). */
    static String comparison(Optional<ModelEvaluation> before, ModelEvaluation after) {
        if (after.exactMatch().isEmpty()) return "";
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "  greedy replies on %d validation prompts%n", after.answered()));
        row(sb, "exact match %", before.map(ModelEvaluation::exactMatch), after.exactMatch());
        row(sb, "label accuracy %", before.map(ModelEvaluation::labelAccuracy), after.labelAccuracy());
        return sb.toString();
    }

    private static void row(StringBuilder sb, String label, Optional<OptionalDouble> before, OptionalDouble after) {
        String b = before.filter(OptionalDouble::isPresent).map(v -> String.format(Locale.ROOT, "%.1f", 100 * v.getAsDouble())).orElse("-");
        sb.append(String.format(Locale.ROOT, "  %-22s %12s %12.1f%n", label, b, 100 * after.getAsDouble()));
    }
}
