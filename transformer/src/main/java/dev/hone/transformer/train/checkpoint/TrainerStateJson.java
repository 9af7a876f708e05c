package dev.hone.transformer.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hone.transformer.train.metrics.MetricsRow;
import dev.hone.transformer.train.monitor.EarlyStopping;
import dev.hone.transformer.train.monitor.OverfitDetector;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The JSON form of {@link TrainerState} and {@link SchedulerState}, written and read field by field so the
 * files stay readable and stable ({@code hone_format: 1}); a missing or mistyped field is an
 * {@link IllegalArgumentException} naming it. Doubles are written in shortest round-trip form, so
 * write-then-read gives back equal values.
 */
public final class TrainerStateJson {
    public static final int FORMAT_VERSION = 1;

    private TrainerStateJson() { }

    public static ObjectNode toJson(TrainerState s) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("hone_format", FORMAT_VERSION);
        o.put("global_step", s.globalStep());
        o.put("epoch", s.epoch());
        o.put("max_steps", s.maxSteps());
        if (s.bestEvalLoss().isPresent()) o.put("best_metric", s.bestEvalLoss().getAsDouble());
        else o.putNull("best_metric");
        if (s.bestCheckpoint().isPresent()) o.put("best_model_checkpoint", s.bestCheckpoint().get());
        else o.putNull("best_model_checkpoint");
        o.put("tokens_seen", s.tokensSeen());
        o.put("training_seconds", s.trainingSeconds());
        ObjectNode rng = o.putObject("rng");
        rng.put("seed", s.rng().seed());
        ObjectNode counters = rng.putObject("counters");
        s.rng().counters().forEach(counters::put);
        ObjectNode es = o.putObject("early_stopping");
        if (s.earlyStopping().best().isPresent()) es.put("best", s.earlyStopping().best().getAsDouble());
        else es.putNull("best");
        es.put("evals_without_improvement", s.earlyStopping().evalsWithoutImprovement());
        ObjectNode of = o.putObject("overfit_detector");
        of.put("warned", s.overfit().warned());
        ArrayNode recent = of.putArray("recent");
        for (OverfitDetector.Point p : s.overfit().recent()) {
            recent.addObject().put("step", p.step()).put("train_loss", p.trainLoss()).put("eval_loss", p.evalLoss());
        }
        o.set("data_state", s.dataState().deepCopy());
        ArrayNode history = o.putArray("log_history");
        for (MetricsRow r : s.logHistory()) history.add(r.toJson());
        return o;
    }

    public static TrainerState fromJson(JsonNode o) {
        int version = (int) integer(o, "hone_format");
        if (version != FORMAT_VERSION) throw new IllegalArgumentException("trainer_state.json: hone_format " + version + ", expected " + FORMAT_VERSION);
        JsonNode rng = field(o, "rng");
        Map<String, Long> counters = new LinkedHashMap<>();
        field(rng, "counters").properties().forEach(e -> counters.put(e.getKey(), integer(field(rng, "counters"), e.getKey())));
        JsonNode es = field(o, "early_stopping");
        JsonNode of = field(o, "overfit_detector");
        List<OverfitDetector.Point> recent = new ArrayList<>();
        for (JsonNode p : field(of, "recent")) {
            recent.add(new OverfitDetector.Point(integer(p, "step"), number(p, "train_loss"), number(p, "eval_loss")));
        }
        List<MetricsRow> history = new ArrayList<>();
        for (JsonNode r : field(o, "log_history")) history.add(MetricsRow.fromJson(r));
        return new TrainerState(integer(o, "global_step"), number(o, "epoch"), integer(o, "max_steps"),
                field(o, "data_state"), optionalNumber(o, "best_metric"),
                o.path("best_model_checkpoint").isTextual() ? Optional.of(o.get("best_model_checkpoint").asText()) : Optional.empty(),
                history, new RngState(integer(rng, "seed"), counters),
                new EarlyStopping.State(optionalNumber(es, "best"), (int) integer(es, "evals_without_improvement")),
                new OverfitDetector.State(recent, field(of, "warned").asBoolean()),
                integer(o, "tokens_seen"), number(o, "training_seconds"));
    }

    public static ObjectNode toJson(SchedulerState s) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("kind", s.kind()).put("peak_lr", s.peak()).put("warmup_steps", s.warmupSteps()).put("total_steps", s.totalSteps())
                .put("cycles", s.cycles()).put("last_epoch", s.stepsTaken());
        return o;
    }

    public static SchedulerState schedulerFromJson(JsonNode o) {
        return new SchedulerState(field(o, "kind").asText(), number(o, "peak_lr"), integer(o, "warmup_steps"),
                integer(o, "total_steps"), number(o, "cycles"), integer(o, "last_epoch"));
    }

    private static JsonNode field(JsonNode o, String name) {
        JsonNode v = o.get(name);
        if (v == null) throw new IllegalArgumentException("missing field '" + name + "'");
        return v;
    }

    private static double number(JsonNode o, String name) {
        JsonNode v = field(o, name);
        if (!v.isNumber()) throw new IllegalArgumentException("field '" + name + "' is not a number: " + v);
        return v.doubleValue();
    }

    private static long integer(JsonNode o, String name) {
        JsonNode v = field(o, name);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw new IllegalArgumentException("field '" + name + "' is not an integer: " + v);
        return v.longValue();
    }

    private static OptionalDouble optionalNumber(JsonNode o, String name) {
        JsonNode v = field(o, name);
        return v.isNull() ? OptionalDouble.empty() : OptionalDouble.of(number(o, name));
    }
}
