package dev.hone.quant;

import dev.hone.tensor.DType;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The "quantization_config" member of a Hugging Face config.json for a bitsandbytes model
 * (transformers' BitsAndBytesConfig.to_dict, quant_method "bitsandbytes"). {@link #toJson()} writes
 * the object with transformers' keys in sorted order; {@link #fromJson} reads it back and rejects
 * other quantization methods. {@code computeDType} is bnb_4bit_compute_dtype; {@code skipModules}
 * is llm_int8_skip_modules (modules left unquantized, e.g. lm_head).
 */
public record BnbQuantizationConfig(QuantFormat format, AbsmaxEncoding absmaxEncoding, DType computeDType, List<String> skipModules) {
    public BnbQuantizationConfig {
        skipModules = List.copyOf(skipModules);
        if (format == QuantFormat.INT8 && absmaxEncoding == AbsmaxEncoding.DOUBLE_QUANT) {
            throw new IllegalArgumentException("quantization_config: double quantization applies to 4-bit formats only");
        }
        BnbCheckpoint.torchDTypeName(computeDType);
    }

    /** The QLoRA configuration: NF4, double quantization, BF16 compute. */
    public static BnbQuantizationConfig qlora() {
        return new BnbQuantizationConfig(QuantFormat.NF4, AbsmaxEncoding.DOUBLE_QUANT, DType.BF16, List.of());
    }

    public String toJson() {
        boolean fourBit = format.isFourBit();
        StringBuilder skip = new StringBuilder();
        if (skipModules.isEmpty()) skip.append("null");
        else {
            skip.append('[');
            for (int i = 0; i < skipModules.size(); i++) skip.append(i == 0 ? "" : ", ").append(MiniJson.quote(skipModules.get(i)));
            skip.append(']');
        }
        return "{\"_load_in_4bit\": " + fourBit + ", \"_load_in_8bit\": " + !fourBit
                + ", \"bnb_4bit_compute_dtype\": " + MiniJson.quote(BnbCheckpoint.torchDTypeName(computeDType))
                + ", \"bnb_4bit_quant_storage\": \"uint8\", \"bnb_4bit_quant_type\": " + MiniJson.quote(fourBit ? format.bnbName() : "fp4")
                + ", \"bnb_4bit_use_double_quant\": " + (absmaxEncoding == AbsmaxEncoding.DOUBLE_QUANT)
                + ", \"llm_int8_enable_fp32_cpu_offload\": false, \"llm_int8_has_fp16_weight\": false, \"llm_int8_skip_modules\": " + skip
                + ", \"llm_int8_threshold\": 6.0, \"load_in_4bit\": " + fourBit + ", \"load_in_8bit\": " + !fourBit
                + ", \"quant_method\": \"bitsandbytes\"}";
    }

    /** Reads a quantization_config object (its JSON text); errors name the offending key. */
    public static BnbQuantizationConfig fromJson(String json) {
        String what = "config.json quantization_config";
        if (!(MiniJson.parse(json, what) instanceof Map<?, ?> m)) throw new IllegalArgumentException(what + ": not a JSON object");
        if (!"bitsandbytes".equals(m.get("quant_method"))) {
            throw new IllegalArgumentException(what + ": quant_method " + m.get("quant_method") + " is not 'bitsandbytes'");
        }
        boolean fourBit = flag(m, "load_in_4bit", what);
        boolean eightBit = flag(m, "load_in_8bit", what);
        if (fourBit == eightBit) throw new IllegalArgumentException(what + ": exactly one of load_in_4bit and load_in_8bit must be true");
        QuantFormat format = fourBit ? QuantFormat.ofBnbQuantType(text(m, "bnb_4bit_quant_type", "fp4")) : QuantFormat.INT8;
        AbsmaxEncoding encoding = fourBit && flag(m, "bnb_4bit_use_double_quant", what) ? AbsmaxEncoding.DOUBLE_QUANT : AbsmaxEncoding.FLOAT32;
        DType compute = BnbCheckpoint.dtypeOfTorchName(what, text(m, "bnb_4bit_compute_dtype", "float32"));
        List<String> skip = new ArrayList<>();
        if (m.get("llm_int8_skip_modules") instanceof List<?> list) {
            for (Object o : list) {
                if (!(o instanceof String s)) throw new IllegalArgumentException(what + ": llm_int8_skip_modules holds a non-string " + o);
                skip.add(s);
            }
        }
        return new BnbQuantizationConfig(format, encoding, compute, skip);
    }

    /** The spec weights are quantized with (bnb's default blocksize 64). */
    public QuantSpec spec() {
        return format.isFourBit() ? new QuantSpec(format, QuantSpec.DEFAULT_BLOCKSIZE, absmaxEncoding) : QuantSpec.int8();
    }

    private static boolean flag(Map<?, ?> m, String key, String what) {
        Object v = m.get(key);
        if (v == null) return false;
        if (v instanceof Boolean b) return b;
        if (v instanceof BigDecimal) throw new IllegalArgumentException(what + ": " + key + " is a number, expected true or false");
        throw new IllegalArgumentException(what + ": " + key + " is " + v + ", expected true or false");
    }

    private static String text(Map<?, ?> m, String key, String fallback) {
        Object v = m.get(key);
        if (v == null || v == MiniJson.NULL) return fallback;
        if (v instanceof String s) return s;
        throw new IllegalArgumentException("config.json quantization_config: " + key + " is " + v + ", expected a string");
    }
}
