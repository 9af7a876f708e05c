package dev.hone.transformer.train.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * One logged event of a run (as an entry of Hugging Face's {@code log_history}): a training log (loss, lr,
 * grad norm, tokens/s averaged since the previous log) or an evaluation (eval loss, perplexity = exp(loss),
 * accuracy when the task has labels), at an optimizer step and a fractional epoch. Absent values are empty
 * CSV cells and missing JSON keys. The column order of {@link #COLUMNS} is the CSV header.
 */
public record MetricsRow(long step, double epoch, OptionalDouble loss, OptionalDouble learningRate, OptionalDouble gradNorm,
                         OptionalDouble tokensPerSecond, OptionalDouble evalLoss, OptionalDouble evalPerplexity,
                         OptionalDouble evalAccuracy) {

    /** CSV header and JSON keys, in order. */
    public static final List<String> COLUMNS = List.of("step", "epoch", "loss", "lr", "grad_norm", "tokens_per_s",
            "eval_loss", "eval_ppl", "eval_accuracy");

    public MetricsRow {
        if (step < 0) throw new IllegalArgumentException("MetricsRow: step " + step + " < 0");
    }

    public static MetricsRow train(long step, double epoch, double loss, double learningRate, double gradNorm, double tokensPerSecond) {
        return new MetricsRow(step, epoch, OptionalDouble.of(loss), OptionalDouble.of(learningRate), OptionalDouble.of(gradNorm),
                OptionalDouble.of(tokensPerSecond), OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty());
    }

    public static MetricsRow eval(long step, double epoch, double evalLoss, OptionalDouble accuracy) {
        return new MetricsRow(step, epoch, OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(),
                OptionalDouble.of(evalLoss), OptionalDouble.of(Math.exp(evalLoss)), accuracy);
    }

    public boolean isTrain() { return loss.isPresent(); }

    public boolean isEval() { return evalLoss.isPresent(); }

    private List<OptionalDouble> values() {
        return List.of(loss, learningRate, gradNorm, tokensPerSecond, evalLoss, evalPerplexity, evalAccuracy);
    }

    /** The cells of one CSV row, in {@link #COLUMNS} order; doubles in shortest round-trip form. */
    public List<String> toCsvCells() {
        List<String> cells = new ArrayList<>(COLUMNS.size());
        cells.add(Long.toString(step));
        cells.add(Double.toString(epoch));
        for (OptionalDouble v : values()) cells.add(v.isPresent() ? Double.toString(v.getAsDouble()) : "");
        return cells;
    }

    /** A row from CSV cells in {@link #COLUMNS} order; throws {@link IllegalArgumentException} naming the cell. */
    public static MetricsRow fromCsvCells(List<String> cells) {
        if (cells.size() != COLUMNS.size()) {
            throw new IllegalArgumentException("metrics row has " + cells.size() + " cells, expected " + COLUMNS.size() + " (" + COLUMNS + ")");
        }
        OptionalDouble[] v = new OptionalDouble[COLUMNS.size()];
        for (int i = 2; i < cells.size(); i++) {
            String c = cells.get(i).strip();
            v[i] = c.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(parse(COLUMNS.get(i), c));
        }
        return new MetricsRow(Long.parseLong(cells.get(0).strip()), parse("epoch", cells.get(1).strip()), v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
    }

    /** The JSON object of this row (one line of metrics.jsonl, one entry of log_history). */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("step", step);
        o.put("epoch", epoch);
        List<OptionalDouble> vs = values();
        for (int i = 0; i < vs.size(); i++) {
            if (vs.get(i).isPresent()) o.put(COLUMNS.get(i + 2), vs.get(i).getAsDouble());
        }
        return o;
    }

    public static MetricsRow fromJson(JsonNode o) {
        if (!o.isObject() || !o.path("step").canConvertToLong() || !o.path("epoch").isNumber()) {
            throw new IllegalArgumentException("metrics entry needs numeric 'step' and 'epoch': " + o);
        }
        OptionalDouble[] v = new OptionalDouble[COLUMNS.size()];
        for (int i = 2; i < COLUMNS.size(); i++) {
            JsonNode n = o.get(COLUMNS.get(i));
            if (n != null && !n.isNull() && !n.isNumber()) throw new IllegalArgumentException("metrics entry '" + COLUMNS.get(i) + "' is not a number: " + o);
            v[i] = n == null || n.isNull() ? OptionalDouble.empty() : OptionalDouble.of(n.doubleValue());
        }
        return new MetricsRow(o.get("step").longValue(), o.get("epoch").doubleValue(), v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
    }

    private static double parse(String column, String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metrics column '" + column + "' is not a number: '" + text + "'", e);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "MetricsRow%s", toJson());
    }
}
