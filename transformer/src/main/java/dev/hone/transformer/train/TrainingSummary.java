package dev.hone.transformer.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hone.tensor.io.AtomicFiles;
import dev.hone.transformer.train.monitor.PeakMemory;
import dev.hone.transformer.train.monitor.StepProgress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.DoubleFunction;

/**
 * The end-of-run report: the base model against the fine-tuned one on the validation set (loss, perplexity =
 * exp(loss), exact-match accuracy when the data has labels), the forgetting check (perplexity on TinyStories
 * before and after), and cost (steps, tokens, time, tokens/s, peak memory). As text for the console
 * ({@link #toText}) and as {@code summary.json} ({@link #toJson}, written atomically by {@link #write}).
 */
public record TrainingSummary(Optional<Evaluation> base, Optional<Evaluation> fineTuned, OptionalDouble forgettingPerplexityBefore,
                              OptionalDouble forgettingPerplexityAfter, long steps, long trainTokens, Duration trainingTime,
                              StopReason stopReason, PeakMemory.Report peakMemory, Path outputDir) {

    /** Why training ended. */
    public enum StopReason { COMPLETED, EARLY_STOPPING }

    /**
     * One model's validation result: loss, and when the data has labels, the fraction of greedy replies equal to
     * the reference reply (exact match) and the fraction whose predicted label (e.g. intent) is right.
     */
    public record Evaluation(double loss, OptionalDouble exactMatch, OptionalDouble labelAccuracy) {
        public double perplexity() { return Math.exp(loss); }
    }

    /** Training throughput over the whole run. */
    public double tokensPerSecond() {
        double s = trainingTime.toNanos() / 1e9;
        return s > 0 ? trainTokens / s : 0;
    }

    public String toText() {
        StringBuilder sb = new StringBuilder("Fine-tuning summary\n");
        sb.append(String.format(Locale.ROOT, "  %-22s %12s %12s %12s%n", "", "base", "fine-tuned", "change"));
        row(sb, "validation loss", base.map(Evaluation::loss), fineTuned.map(Evaluation::loss), fixed("%.4f"), fixed("%+.4f"));
        row(sb, "validation perplexity", base.map(Evaluation::perplexity), fineTuned.map(Evaluation::perplexity),
                Perplexity::format, Perplexity::formatChange);
        percentRow(sb, "reply exact match %", base.flatMap(e -> boxed(e.exactMatch())), fineTuned.flatMap(e -> boxed(e.exactMatch())));
        percentRow(sb, "label accuracy %", base.flatMap(e -> boxed(e.labelAccuracy())), fineTuned.flatMap(e -> boxed(e.labelAccuracy())));
        if (forgettingPerplexityBefore.isPresent() || forgettingPerplexityAfter.isPresent()) {
            row(sb, "TinyStories perplexity", boxed(forgettingPerplexityBefore), boxed(forgettingPerplexityAfter),
                    Perplexity::format, Perplexity::formatChange);
        }
        sb.append(String.format(Locale.ROOT, "  %d optimizer steps (%s), %d tokens in %s (%.0f tokens/s)%n", steps,
                stopReason == StopReason.EARLY_STOPPING ? "stopped early" : "completed", trainTokens, StepProgress.clock(trainingTime), tokensPerSecond()));
        sb.append("  peak memory: ").append(peakMemory.describe()).append('\n');
        sb.append("  outputs in ").append(outputDir).append('\n');
        return sb.toString();
    }

    private static void row(StringBuilder sb, String label, Optional<Double> before, Optional<Double> after,
                            DoubleFunction<String> value, DoubleFunction<String> change) {
        String difference = before.isPresent() && after.isPresent() ? change.apply(after.get() - before.get()) : "";
        sb.append(String.format(Locale.ROOT, "  %-22s %12s %12s %12s%n", label, before.map(value::apply).orElse("-"),
                after.map(value::apply).orElse("-"), difference));
    }

    private static DoubleFunction<String> fixed(String format) { return v -> String.format(Locale.ROOT, format, v); }

    private static Optional<Double> boxed(OptionalDouble d) { return d.isPresent() ? Optional.of(d.getAsDouble()) : Optional.empty(); }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        base.ifPresent(e -> put(o.putObject("base"), e));
        fineTuned.ifPresent(e -> put(o.putObject("fine_tuned"), e));
        ObjectNode forgetting = o.putObject("tinystories_perplexity");
        forgettingPerplexityBefore.ifPresent(v -> forgetting.put("before", v));
        forgettingPerplexityAfter.ifPresent(v -> forgetting.put("after", v));
        o.put("steps", steps);
        o.put("stop_reason", stopReason.name().toLowerCase(Locale.ROOT));
        o.put("train_tokens", trainTokens);
        o.put("training_seconds", trainingTime.toNanos() / 1e9);
        o.put("tokens_per_s", tokensPerSecond());
        ObjectNode mem = o.putObject("peak_memory_bytes");
        mem.put("tensors", peakMemory.backendPeakBytes());
        mem.put("jvm_heap", peakMemory.jvmHeapPeakBytes());
        peakMemory.processPeakRssBytes().ifPresent(v -> mem.put("process_rss", v));
        o.put("output_dir", outputDir.toString());
        return o;
    }

    private static void percentRow(StringBuilder sb, String name, Optional<Double> before, Optional<Double> after) {
        if (before.isPresent() || after.isPresent()) {
            row(sb, name, before.map(a -> 100 * a), after.map(a -> 100 * a), fixed("%.1f"), fixed("%+.1f"));
        }
    }

    private static void put(ObjectNode o, Evaluation e) {
        o.put("eval_loss", e.loss());
        o.put("eval_ppl", e.perplexity());
        e.exactMatch().ifPresent(a -> o.put("eval_exact_match", a));
        e.labelAccuracy().ifPresent(a -> o.put("eval_label_accuracy", a));
    }

    /** Writes {@code summary.json} and {@code summary.txt} of {@code run}, each through a temporary file and an atomic rename. */
    public void write(RunDirectory run) {
        try {
            AtomicFiles.writeString(run.summaryJson(), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(toJson()) + "\n");
            AtomicFiles.writeString(run.summaryText(), toText());
        } catch (IOException e) {
            throw new UncheckedIOException("TrainingSummary.write: cannot write " + run.summaryJson() + ": " + e, e);
        }
    }
}
