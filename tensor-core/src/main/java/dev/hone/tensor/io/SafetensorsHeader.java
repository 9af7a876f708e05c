package dev.hone.tensor.io;

import dev.hone.tensor.DType;
import dev.hone.tensor.Shape;
import dev.hone.tensor.io.JsonValue.JsonArray;
import dev.hone.tensor.io.JsonValue.JsonNumber;
import dev.hone.tensor.io.JsonValue.JsonObject;
import dev.hone.tensor.io.JsonValue.JsonString;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The decoded and validated header of a safetensors file (format: github.com/huggingface/safetensors):
 * an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} plus an optional {@code "__metadata__"}
 * object of string values, then the data section; offsets count from the first byte after the header.
 *
 * <p>Validation follows the reference implementation's {@code Metadata::validate} and
 * {@code read_metadata} and is stricter where that one is lenient: N at most 100,000,000; every
 * tensor's {@code end - begin} equals numel times the element size (computed without overflow); sorted
 * by offset, the tensors tile the data section exactly (no gap, no overlap, no trailing bytes);
 * dimensions are non-negative integers; names are non-empty and unique; a tensor entry has exactly the
 * three keys. {@code tensors} is in data order (by begin offset, ties in header order).
 */
record SafetensorsHeader(List<TensorInfo> tensors, Map<String, String> metadata) {
    /** The reference implementation's limit on N. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";

    /** Safetensors dtypes that exist in the format but have no Hone {@link DType}. */
    private static final Set<String> UNSUPPORTED_DTYPES = Set.of(
            "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "I16", "U16", "U32", "U64", "C64");

    private static final Set<String> TENSOR_KEYS = Set.of("dtype", "shape", "data_offsets");

    /**
     * Decodes and validates {@code headerBytes} of a file whose data section (the bytes after the header)
     * is {@code dataBytes} long and starts at file position {@code dataStart}.
     */
    static SafetensorsHeader parse(Path file, byte[] headerBytes, long dataStart, long dataBytes) {
        JsonValue root;
        try {
            root = JsonParser.parse(JsonParser.decodeUtf8(headerBytes));
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(file, null, "header is not valid JSON: " + e.getMessage(), e);
        }
        if (!(root instanceof JsonObject object)) {
            throw SafetensorsException.ofFile(file, "header must be a JSON object, found " + root.kind());
        }
        Map<String, String> metadata = Map.of();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonValue> m : object.members().entrySet()) {
            if (m.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(file, m.getValue());
            } else {
                entries.add(parseTensor(file, m.getKey(), m.getValue(), dataBytes));
            }
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        checkTiling(file, sorted, dataBytes);
        List<TensorInfo> infos = new ArrayList<>(sorted.size());
        for (Entry e : sorted) infos.add(new TensorInfo(e.name, e.dtype, e.shape, dataStart + e.begin, e.end - e.begin));
        return new SafetensorsHeader(List.copyOf(infos), metadata);
    }

    private record Entry(String name, DType dtype, Shape shape, long begin, long end) { }

    private static Map<String, String> parseMetadata(Path file, JsonValue v) {
        if (!(v instanceof JsonObject o)) throw SafetensorsException.ofFile(file, "__metadata__ must be an object, found " + v.kind());
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonValue> m : o.members().entrySet()) {
            if (!(m.getValue() instanceof JsonString s)) {
                throw SafetensorsException.ofFile(file, "__metadata__ value of '" + m.getKey() + "' must be a string, found " + m.getValue().kind());
            }
            out.put(m.getKey(), s.value());
        }
        return Collections.unmodifiableMap(out);
    }

    private static Entry parseTensor(Path file, String name, JsonValue v, long dataBytes) {
        if (name.isEmpty()) throw SafetensorsException.ofFile(file, "a tensor has an empty name");
        if (!(v instanceof JsonObject o)) throw new SafetensorsException(file, name, "entry must be an object, found " + v.kind());
        for (String key : o.members().keySet()) {
            if (!TENSOR_KEYS.contains(key)) throw new SafetensorsException(file, name, "unexpected key '" + key + "' (expected dtype, shape, data_offsets)");
        }
        DType dtype = dtype(file, name, field(file, name, o, "dtype"));
        Shape shape = shape(file, name, field(file, name, o, "shape"));
        JsonValue offsetsValue = field(file, name, o, "data_offsets");
        if (!(offsetsValue instanceof JsonArray offsets) || offsets.elements().size() != 2) {
            throw new SafetensorsException(file, name, "data_offsets must be an array [begin, end], found " + offsetsValue.kind());
        }
        long begin = nonNegativeInteger(file, name, "data_offsets begin", offsets.elements().get(0));
        long end = nonNegativeInteger(file, name, "data_offsets end", offsets.elements().get(1));
        if (end < begin) throw new SafetensorsException(file, name, "data_offsets [" + begin + ", " + end + "] end before begin");
        if (end > dataBytes) {
            throw new SafetensorsException(file, name, "data_offsets [" + begin + ", " + end + "] run past the end of the file (data section holds "
                    + dataBytes + " bytes)");
        }
        long expected;
        try {
            expected = Math.multiplyExact(shape.numel(), (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new SafetensorsException(file, name, "shape " + shape + " of " + dtype + " overflows a 64-bit byte count", e);
        }
        if (end - begin != expected) {
            throw new SafetensorsException(file, name, "data_offsets [" + begin + ", " + end + "] hold " + (end - begin) + " bytes but shape "
                    + shape + " of " + dtype + " needs " + expected);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** Sorted by offset, the tensors must cover [0, dataBytes) with neither gap nor overlap. */
    private static void checkTiling(Path file, List<Entry> sorted, long dataBytes) {
        long covered = 0;
        String previous = null;
        for (Entry e : sorted) {
            if (e.begin < covered) {
                throw new SafetensorsException(file, e.name, "data_offsets [" + e.begin + ", " + e.end + "] overlap tensor '" + previous
                        + "' which ends at " + covered);
            }
            if (e.begin > covered) {
                throw new SafetensorsException(file, e.name, "data_offsets [" + e.begin + ", " + e.end + "] leave a gap of " + (e.begin - covered)
                        + " bytes after " + (previous == null ? "the header" : "tensor '" + previous + "'"));
            }
            covered = e.end;
            previous = e.name;
        }
        if (covered != dataBytes) {
            throw SafetensorsException.ofFile(file, "tensors cover " + covered + " bytes of a data section of " + dataBytes
                    + " (the file has " + (dataBytes - covered) + " unaccounted trailing bytes)");
        }
    }

    private static JsonValue field(Path file, String name, JsonObject o, String key) {
        JsonValue v = o.members().get(key);
        if (v == null) throw new SafetensorsException(file, name, "missing '" + key + "'");
        return v;
    }

    private static DType dtype(Path file, String name, JsonValue v) {
        if (!(v instanceof JsonString s)) throw new SafetensorsException(file, name, "dtype must be a string, found " + v.kind());
        for (DType t : DType.values()) {
            if (t.safetensorsName().equals(s.value())) return t;
        }
        String supported = "supported: F32, BF16, F16, F64, I8, U8, I32, I64, BOOL";
        if (UNSUPPORTED_DTYPES.contains(s.value())) {
            throw new SafetensorsException(file, name, "dtype " + s.value() + " is a safetensors dtype Hone does not support (" + supported + ")");
        }
        throw new SafetensorsException(file, name, "unknown dtype '" + s.value() + "' (" + supported + ")");
    }

    private static Shape shape(Path file, String name, JsonValue v) {
        if (!(v instanceof JsonArray a)) throw new SafetensorsException(file, name, "shape must be an array, found " + v.kind());
        int[] dims = new int[a.elements().size()];
        for (int i = 0; i < dims.length; i++) {
            long d = nonNegativeInteger(file, name, "shape dimension " + i, a.elements().get(i));
            if (d > Integer.MAX_VALUE) throw new SafetensorsException(file, name, "shape dimension " + i + " = " + d + " exceeds " + Integer.MAX_VALUE);
            dims[i] = (int) d;
        }
        return Shape.of(dims);
    }

    private static long nonNegativeInteger(Path file, String name, String what, JsonValue v) {
        if (!(v instanceof JsonNumber n) || !n.isInteger() || n.literal().startsWith("-")) {
            throw new SafetensorsException(file, name, what + " must be a non-negative integer, found " + v.kind());
        }
        try {
            return Long.parseLong(n.literal());
        } catch (NumberFormatException e) {
            throw new SafetensorsException(file, name, what + " = " + n.literal() + " does not fit in 63 bits", e);
        }
    }

    // ---------------------------------------------------------------- encoding (the writer's side)

    /**
     * The header JSON for tensors laid out back to back from data offset 0 in the given order (their
     * {@code byteOffset} is ignored), padded with spaces to a multiple of 8 bytes
     * so the data section starts 8-byte aligned, as the reference writer does.
     */
    static byte[] encode(List<TensorInfo> dataOrder, Map<String, String> metadata) {
        StringBuilder sb = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            sb.append(quote(METADATA_KEY)).append(":{");
            String sep = "";
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                sb.append(sep).append(quote(m.getKey())).append(':').append(quote(m.getValue()));
                sep = ",";
            }
            sb.append('}');
        }
        long offset = 0;
        for (TensorInfo t : dataOrder) {
            if (sb.length() > 1) sb.append(',');
            sb.append(quote(t.name())).append(":{\"dtype\":").append(quote(t.dtype().safetensorsName())).append(",\"shape\":[");
            int[] dims = t.shape().dims();
            for (int i = 0; i < dims.length; i++) sb.append(i == 0 ? "" : ",").append(dims[i]);
            sb.append("],\"data_offsets\":[").append(offset).append(',').append(offset + t.byteLength()).append("]}");
            offset += t.byteLength();
        }
        sb.append('}');
        byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /** A JSON string literal; escapes quote, backslash and control characters. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
