package dev.hone.quant;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed access to a flat JSON object such as bnb's packed quant_state
 * ({"quant_type": "nf4", "blocksize": 64, "dtype": "bfloat16", "shape": [4096, 4096], ...}).
 * Every accessor throws naming the tensor and the field when it is missing or has the wrong type.
 */
final class QuantStateFields {
    private final String what;
    private final Map<String, Object> fields;

    private QuantStateFields(String what, Map<String, Object> fields) {
        this.what = what;
        this.fields = fields;
    }

    /** Parses {@code json}; members outside {@code allowed} are an error, as bnb's from_dict asserts. */
    @SuppressWarnings("unchecked")
    static QuantStateFields parse(String what, String json, Set<String> allowed) {
        Object root;
        try {
            root = MiniJson.parse(json, what + " quant_state");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " in " + abbreviate(json), e);
        }
        if (!(root instanceof Map<?, ?> map)) throw new IllegalArgumentException(what + ": quant_state JSON is not an object: " + abbreviate(json));
        for (Object key : map.keySet()) {
            if (!allowed.contains(key)) throw new IllegalArgumentException(what + ": unexpected quant_state field '" + key + "' (known: " + allowed + ")");
        }
        return new QuantStateFields(what, (Map<String, Object>) map);
    }

    String string(String key) {
        if (get(key) instanceof String s) return s;
        throw wrongType(key, "a string");
    }

    int integer(String key) {
        if (get(key) instanceof BigDecimal d) {
            try {
                return d.intValueExact();
            } catch (ArithmeticException e) {
                throw wrongType(key, "an integer");
            }
        }
        throw wrongType(key, "an integer");
    }

    double number(String key) {
        if (get(key) instanceof BigDecimal d) return d.doubleValue();
        throw wrongType(key, "a number");
    }

    int[] intArray(String key) {
        if (!(get(key) instanceof List<?> list)) throw wrongType(key, "an array of integers");
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof BigDecimal d)) throw wrongType(key, "an array of integers");
            try {
                out[i] = d.intValueExact();
            } catch (ArithmeticException e) {
                throw wrongType(key, "an array of integers");
            }
            if (out[i] < 0) throw wrongType(key, "an array of non-negative integers");
        }
        return out;
    }

    private Object get(String key) {
        Object v = fields.get(key);
        if (v == null) throw new IllegalArgumentException(what + ": quant_state has no field '" + key + "' (found " + fields.keySet() + ")");
        return v;
    }

    private IllegalArgumentException wrongType(String key, String expected) {
        return new IllegalArgumentException(what + ": quant_state field '" + key + "' is " + fields.get(key) + ", expected " + expected);
    }

    private static String abbreviate(String s) { return s.length() <= 200 ? s : s.substring(0, 200) + "..."; }
}
