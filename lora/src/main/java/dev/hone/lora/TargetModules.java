package dev.hone.lora;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which modules of a model get a LoRA adapter, as PEFT's {@code target_modules} selects them
 * (peft/tuners/tuners_utils.py {@code check_target_module_exists}): a list of names, each matching a
 * dotted module path exactly or as its last components ("q_proj" matches
 * "model.layers.0.self_attn.q_proj", "self_attn.q_proj" too, "proj" does not); a single regular
 * expression that must match the whole path ({@code re.fullmatch}); or "all-linear", every linear
 * layer except the output head ({@value #OUTPUT_HEAD}).
 */
public sealed interface TargetModules {

    /** The module name PEFT's "all-linear" leaves out: the model's output projection. */
    String OUTPUT_HEAD = "lm_head";

    /** The "all-linear" shorthand as PEFT spells it in adapter_config.json. */
    String ALL_LINEAR_SHORTHAND = "all-linear";

    /** Whether the module at {@code path} (a linear layer) is targeted. */
    boolean matches(String path);

    /** Exact or dotted-suffix match against any of {@code names}. */
    record Names(List<String> names) implements TargetModules {
        public Names {
            if (names.isEmpty()) throw new IllegalArgumentException("target_modules: empty list of module names");
            names = List.copyOf(names);
        }

        @Override
        public boolean matches(String path) {
            for (String n : names) if (suffixMatch(path, n)) return true;
            return false;
        }
    }

    /** A regular expression matched against the whole dotted path. */
    record Regex(String regex) implements TargetModules {
        @Override
        public boolean matches(String path) { return Pattern.compile(regex).matcher(path).matches(); }
    }

    /** Every linear layer but the output head. */
    record AllLinear() implements TargetModules {
        @Override
        public boolean matches(String path) { return !suffixMatch(path, OUTPUT_HEAD); }
    }

    /** True when {@code path} is {@code name} or ends with "." + {@code name}. */
    static boolean suffixMatch(String path, String name) { return path.equals(name) || path.endsWith("." + name); }

    /** Parses PEFT's JSON form: "all-linear", a regex string, or a list of names. */
    static TargetModules parse(Object json) {
        if (json instanceof String s) return s.equals(ALL_LINEAR_SHORTHAND) ? new AllLinear() : new Regex(s);
        if (json instanceof List<?> list) return new Names(list.stream().map(String::valueOf).toList());
        throw new IllegalArgumentException("target_modules: expected a string or a list of strings, got " + json);
    }
}
