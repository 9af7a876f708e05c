package dev.hone.transformer.train.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.DoublePredicate;
import java.util.function.LongPredicate;

/**
 * Typed, validating access to one JSON object of a config (the top level or a {@code datasets} entry). Every
 * accessor returns the default when the key is absent or null, and when the value is invalid it records a
 * problem naming the key ({@code prefix + key}) and returns the default, so one pass reports every problem.
 * Numbers may be written as strings: YAML 1.1 reads {@code 2e-4} (no dot) as a string, a classic Axolotl trap.
 */
final class ConfigReader {
    private final ObjectNode node;
    private final String prefix;
    private final List<String> problems;
    private final Set<String> consumed = new HashSet<>();

    ConfigReader(ObjectNode node, String prefix, List<String> problems) {
        this.node = node;
        this.prefix = prefix;
        this.problems = problems;
    }

    void problem(ConfigKey key, String message) { problems.add(prefix + key.key() + ": " + message); }

    /** The value, absent when missing or null; marks the key as known. */
    Optional<JsonNode> raw(ConfigKey key) {
        consumed.add(key.key());
        JsonNode v = node.get(key.key());
        return v == null || v.isNull() || v.isMissingNode() ? Optional.empty() : Optional.of(v);
    }

    Optional<String> string(ConfigKey key) {
        Optional<JsonNode> v = raw(key);
        if (v.isEmpty()) return Optional.empty();
        if (!v.get().isValueNode()) {
            problem(key, "expected a string, got " + describe(v.get()));
            return Optional.empty();
        }
        String s = v.get().asText().strip();
        if (s.isEmpty()) {
            problem(key, "is empty");
            return Optional.empty();
        }
        return Optional.of(s);
    }

    String requiredString(ConfigKey key) {
        Optional<String> s = string(key);
        if (s.isEmpty() && raw(key).isEmpty()) problem(key, "is required");
        return s.orElse("");
    }

    double number(ConfigKey key, double fallback, DoublePredicate valid, String rule) {
        Optional<JsonNode> v = raw(key);
        if (v.isEmpty()) return fallback;
        OptionalDouble d = asDouble(v.get());
        if (d.isEmpty()) {
            problem(key, "expected a number, got " + describe(v.get()));
            return fallback;
        }
        if (!valid.test(d.getAsDouble())) {
            problem(key, "must be " + rule + ", got " + v.get().asText());
            return fallback;
        }
        return d.getAsDouble();
    }

    OptionalLong optionalInteger(ConfigKey key, LongPredicate valid, String rule) {
        Optional<JsonNode> v = raw(key);
        if (v.isEmpty()) return OptionalLong.empty();
        OptionalDouble d = asDouble(v.get());
        if (d.isEmpty() || d.getAsDouble() != Math.rint(d.getAsDouble()) || Math.abs(d.getAsDouble()) > 1e15) {
            problem(key, "expected an integer, got " + describe(v.get()));
            return OptionalLong.empty();
        }
        long n = (long) d.getAsDouble();
        if (!valid.test(n)) {
            problem(key, "must be " + rule + ", got " + n);
            return OptionalLong.empty();
        }
        return OptionalLong.of(n);
    }

    long integer(ConfigKey key, long fallback, LongPredicate valid, String rule) {
        return optionalInteger(key, valid, rule).orElse(fallback);
    }

    boolean bool(ConfigKey key, boolean fallback) {
        Optional<JsonNode> v = raw(key);
        if (v.isEmpty()) return fallback;
        if (v.get().isBoolean()) return v.get().booleanValue();
        if (v.get().isTextual()) {
            switch (v.get().asText().strip().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> { return true; }
                case "false", "no", "off" -> { return false; }
                default -> { }
            }
        }
        problem(key, "expected true or false, got " + describe(v.get()));
        return fallback;
    }

    /** One of {@code names} (matched case-insensitively, {@code -} as {@code _}); the first name of each value is its canonical spelling. */
    <E> E choice(ConfigKey key, E fallback, Map<String, E> names) {
        Optional<JsonNode> v = raw(key);
        if (v.isEmpty()) return fallback;
        String text = v.get().isValueNode() ? KeySuggestions.normalise(v.get().asText()) : "";
        E e = names.get(text);
        if (e == null) {
            problem(key, "must be one of " + String.join(", ", names.keySet()) + ", got " + describe(v.get()));
            return fallback;
        }
        return e;
    }

    /** A list of strings: a YAML/JSON list, or one comma-separated string. */
    Optional<List<String>> stringList(ConfigKey key) {
        Optional<JsonNode> v = raw(key);
        if (v.isEmpty()) return Optional.empty();
        List<String> out = new ArrayList<>();
        if (v.get().isArray()) {
            for (JsonNode item : v.get()) {
                if (!item.isValueNode() || item.isNull()) {
                    problem(key, "expected a list of strings, found " + describe(item));
                    return Optional.empty();
                }
                out.add(item.asText().strip());
            }
        } else if (v.get().isValueNode()) {
            for (String s : v.get().asText().split(",")) out.add(s.strip());
        } else {
            problem(key, "expected a list of strings, got " + describe(v.get()));
            return Optional.empty();
        }
        out.removeIf(String::isEmpty);
        return Optional.of(out);
    }

    /** Keys present in the object that no accessor asked for, each described with its nearest known key. */
    List<String> unknownKeys(ConfigKey.Level level) {
        List<String> known = ConfigKey.at(level).stream().map(ConfigKey::key).toList();
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!consumed.contains(name)) out.add(prefix + KeySuggestions.describeUnknown(name, known));
        }
        return out;
    }

    private static OptionalDouble asDouble(JsonNode v) {
        if (v.isNumber()) return finite(v.doubleValue());
        if (v.isTextual()) {
            try {
                return finite(Double.parseDouble(v.asText().strip()));
            } catch (NumberFormatException e) {
                return OptionalDouble.empty();
            }
        }
        return OptionalDouble.empty();
    }

    private static OptionalDouble finite(double d) { return Double.isFinite(d) ? OptionalDouble.of(d) : OptionalDouble.empty(); }

    static String describe(JsonNode v) {
        if (v.isObject()) return "an object";
        if (v.isArray()) return "a list";
        if (v.isTextual()) return "'" + v.asText() + "'";
        return v.asText();
    }
}
