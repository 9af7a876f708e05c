package dev.hone.quant;

import dev.hone.tensor.DType;
import dev.hone.tensor.Shape;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Conversion between a {@link QuantizedTensor} and the state-dict entries bitsandbytes saves for it
 * (bitsandbytes/nn/modules.py Linear4bit / Linear8bitLt, functional.py QuantState.as_dict(packed=True)).
 * For a 4-bit parameter P (e.g. "model.layers.0.mlp.down_proj.weight"):
 * <pre>
 *   P                                U8  [ceil(n/2), 1]   packed codes, even element in the high nibble
 *   P.absmax                         F32 [blocks]         (U8 [blocks] when double-quantized)
 *   P.quant_map                      F32 [16]             the NF4 / FP4 table
 *   P.nested_absmax                  F32 [ceil(blocks/256)]   (double quant only)
 *   P.nested_quant_map               F32 [256]            the signed dynamic map (double quant only)
 *   P.quant_state.bitsandbytes__nf4  U8  [len]            UTF-8 JSON (json.dumps): quant_type, blocksize,
 *                                                         dtype, shape[, nested_blocksize, nested_dtype, nested_offset]
 * </pre>
 * For INT8 (P = M.weight): P I8 [rows, cols], M.SCB F32 [rows] (row absmax), M.weight_format U8 [] = 0 (row-major);
 * such files do not record the original dtype, so reading assumes F16 (bnb's usual one).
 * Reading validates everything and throws IllegalArgumentException naming the parameter.
 */
public final class BnbCheckpoint {
    private BnbCheckpoint() { }

    private static final String QUANT_STATE = ".quant_state.bitsandbytes__";
    private static final Set<String> JSON_KEYS = Set.of("quant_type", "blocksize", "dtype", "shape",
            "nested_blocksize", "nested_dtype", "nested_offset");

    /** The entries bnb would save for parameter {@code name}, in bnb's order. */
    public static Map<String, StoredTensor> toStateDict(String name, QuantizedTensor q) {
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        if (q.format() == QuantFormat.INT8) {
            if (!name.endsWith("weight")) {
                throw new IllegalArgumentException("bitsandbytes INT8 tensor '" + name + "': the name must end in 'weight' (SCB sits beside it)");
            }
            String module = moduleOf(name);
            float[] rowMax = q.blockAbsmax();
            out.put(name, StoredTensor.ofBytes(DType.I8, q.dataCopy(), q.shape()));
            out.put(module + "SCB", StoredTensor.ofFloats(rowMax, Shape.of(rowMax.length)));
            out.put(module + "weight_format", StoredTensor.ofBytes(DType.U8, new byte[] {0}, Shape.scalar()));
            return out;
        }
        byte[] packed = q.dataCopy();
        out.put(name, StoredTensor.ofBytes(DType.U8, packed, Shape.of(packed.length, 1)));
        switch (q.absmax()) {
            case Absmax.Plain p -> out.put(name + ".absmax", StoredTensor.ofFloats(p.values(), Shape.of(p.blocks())));
            case Absmax.DoubleQuantized d -> out.put(name + ".absmax", StoredTensor.ofBytes(DType.U8, d.codes(), Shape.of(d.blocks())));
        }
        out.put(name + ".quant_map", StoredTensor.ofFloats(q.codeBook().values(), Shape.of(16)));
        if (q.absmax() instanceof Absmax.DoubleQuantized d) {
            out.put(name + ".nested_absmax", StoredTensor.ofFloats(d.nestedAbsmax(), Shape.of(d.nestedAbsmax().length)));
            out.put(name + ".nested_quant_map", StoredTensor.ofFloats(d.nestedCodeMap().values(), Shape.of(256)));
        }
        byte[] json = quantStateJson(q).getBytes(StandardCharsets.UTF_8);
        out.put(name + QUANT_STATE + q.format().bnbName(), StoredTensor.ofBytes(DType.U8, json, Shape.of(json.length)));
        return out;
    }

    /** bnb's packed quant_state JSON, byte for byte as json.dumps writes it. */
    static String quantStateJson(QuantizedTensor q) {
        StringBuilder sb = new StringBuilder("{");
        sb.append("\"quant_type\": ").append(MiniJson.quote(q.format().bnbName()));
        sb.append(", \"blocksize\": ").append(q.blocksize());
        sb.append(", \"dtype\": ").append(MiniJson.quote(torchDTypeName(q.originalDType())));
        sb.append(", \"shape\": [");
        int[] dims = q.shape().dims();
        for (int i = 0; i < dims.length; i++) sb.append(i == 0 ? "" : ", ").append(dims[i]);
        sb.append(']');
        if (q.absmax() instanceof Absmax.DoubleQuantized d) {
            sb.append(", \"nested_blocksize\": ").append(d.nestedBlocksize());
            sb.append(", \"nested_dtype\": \"float32\"");
            sb.append(", \"nested_offset\": ").append(MiniJson.pythonFloat(d.offset()));
        }
        return sb.append('}').toString();
    }

    /** True when {@code keys} hold a bnb-quantized parameter {@code name} (4-bit quant_state or INT8 SCB). */
    public static boolean isQuantized(String name, Set<String> keys) {
        return keys.contains(name + QUANT_STATE + "nf4") || keys.contains(name + QUANT_STATE + "fp4")
                || (name.endsWith("weight") && keys.contains(moduleOf(name) + "SCB"));
    }

    /** Reads parameter {@code name} back from bnb's entries; throws naming the parameter when anything is missing or inconsistent. */
    public static QuantizedTensor fromStateDict(String name, Map<String, StoredTensor> entries) {
        String what = "bitsandbytes tensor '" + name + "'";
        boolean nf4 = entries.containsKey(name + QUANT_STATE + "nf4");
        boolean fp4 = entries.containsKey(name + QUANT_STATE + "fp4");
        if (nf4 && fp4) throw new IllegalArgumentException(what + ": both quant_state.bitsandbytes__nf4 and __fp4 are present");
        if (!nf4 && !fp4) {
            if (name.endsWith("weight") && entries.containsKey(moduleOf(name) + "SCB")) return readInt8(name, what, entries);
            throw new IllegalArgumentException(what + ": no " + name + QUANT_STATE + "nf4 (or fp4) entry, and no INT8 SCB");
        }
        QuantFormat format = nf4 ? QuantFormat.NF4 : QuantFormat.FP4;
        QuantStateFields state = QuantStateFields.parse(what, new String(
                require(entries, name + QUANT_STATE + format.bnbName(), DType.U8, what).bytes(), StandardCharsets.UTF_8), JSON_KEYS);
        if (!state.string("quant_type").equals(format.bnbName())) {
            throw new IllegalArgumentException(what + ": quant_state says quant_type '" + state.string("quant_type")
                    + "' but is stored under bitsandbytes__" + format.bnbName());
        }
        int blocksize = state.integer("blocksize");
        QuantSpec.checkBlocksize(what, blocksize);
        Shape shape = Shape.of(state.intArray("shape"));
        DType original = dtypeOfTorchName(what, state.string("dtype"));
        long numel = shape.numel();
        StoredTensor packed = entries.get(name);
        if (packed == null) throw new IllegalArgumentException(what + ": the packed weight entry is missing");
        if (packed.bytes().length != (numel + 1) / 2) {
            throw new IllegalArgumentException(what + ": packed weight " + packed.dtype() + " " + packed.shape() + " holds "
                    + packed.bytes().length + " bytes, but quant_state shape " + shape + " needs " + (numel + 1) / 2);
        }
        checkQuantMap(what, require(entries, name + ".quant_map", DType.F32, what), format);
        Absmax absmax = entries.containsKey(name + ".nested_absmax")
                ? readNested(name, what, entries, state)
                : new Absmax.Plain(require(entries, name + ".absmax", DType.F32, what).floats());
        return new QuantizedTensor(what, format, shape, original, blocksize, packed.bytes(), absmax);
    }

    private static Absmax readNested(String name, String what, Map<String, StoredTensor> entries, QuantStateFields state) {
        if (!state.string("nested_dtype").equals("float32")) {
            throw new IllegalArgumentException(what + ": nested_dtype '" + state.string("nested_dtype") + "', expected float32");
        }
        byte[] codes = require(entries, name + ".absmax", DType.U8, what).bytes();
        float[] nested = require(entries, name + ".nested_absmax", DType.F32, what).floats();
        float[] map = require(entries, name + ".nested_quant_map", DType.F32, what).floats();
        if (map.length != 256) throw new IllegalArgumentException(what + ": nested_quant_map has " + map.length + " values, expected 256");
        int nestedBlocksize = state.integer("nested_blocksize");
        if (nestedBlocksize < 1) throw new IllegalArgumentException(what + ": nested_blocksize " + nestedBlocksize);
        float offset = (float) state.number("nested_offset");
        try {
            return new Absmax.DoubleQuantized(codes, nested, offset, CodeBook.of(map), nestedBlocksize);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
    }

    private static QuantizedTensor readInt8(String name, String what, Map<String, StoredTensor> entries) {
        StoredTensor weight = require(entries, name, DType.I8, what);
        float[] rowMax = require(entries, moduleOf(name) + "SCB", DType.F32, what).floats();
        if (weight.shape().rank() < 1) throw new IllegalArgumentException(what + ": INT8 weight must have at least one axis");
        return new QuantizedTensor(what, QuantFormat.INT8, weight.shape(), DType.F16, weight.shape().dim(-1), weight.bytes(),
                new Absmax.Plain(rowMax));
    }

    private static void checkQuantMap(String what, StoredTensor map, QuantFormat format) {
        float[] stored = map.floats();
        float[] expected = format.codeBook().values();
        if (!java.util.Arrays.equals(stored, expected)) {
            throw new IllegalArgumentException(what + ": quant_map " + java.util.Arrays.toString(stored) + " is not bitsandbytes' "
                    + format + " table " + java.util.Arrays.toString(expected));
        }
    }

    private static StoredTensor require(Map<String, StoredTensor> entries, String key, DType dtype, String what) {
        StoredTensor t = entries.get(key);
        if (t == null) throw new IllegalArgumentException(what + ": entry '" + key + "' is missing");
        if (t.dtype() != dtype) throw new IllegalArgumentException(what + ": entry '" + key + "' is " + t.dtype() + ", expected " + dtype);
        return t;
    }

    /** "layer.weight" -> "layer." (bnb's module prefix for SCB and weight_format). */
    private static String moduleOf(String name) { return name.substring(0, name.length() - "weight".length()); }

    /** torch's dtype name as str(dtype).strip("torch.") gives it. */
    static String torchDTypeName(DType dtype) {
        return switch (dtype) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> throw new IllegalArgumentException("bitsandbytes quant_state: original dtype " + dtype + " has no torch float name");
        };
    }

    static DType dtypeOfTorchName(String what, String name) {
        return switch (name) {
            case "float32" -> DType.F32;
            case "bfloat16" -> DType.BF16;
            case "float16" -> DType.F16;
            default -> throw new IllegalArgumentException(what + ": quant_state dtype '" + name + "' (expected float32, bfloat16 or float16)");
        };
    }
}
