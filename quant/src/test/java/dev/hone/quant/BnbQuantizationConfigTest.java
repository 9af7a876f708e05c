package dev.hone.quant;

import dev.hone.tensor.DType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** config.json's quantization_config: written, read back, and rejected when it is not bitsandbytes'. */
class BnbQuantizationConfigTest {

    @Test
    void qloraConfigRoundTrips() {
        BnbQuantizationConfig c = BnbQuantizationConfig.qlora();
        String json = c.toJson();
        assertThat(json).contains("\"quant_method\": \"bitsandbytes\"", "\"load_in_4bit\": true", "\"bnb_4bit_quant_type\": \"nf4\"",
                "\"bnb_4bit_use_double_quant\": true", "\"bnb_4bit_compute_dtype\": \"bfloat16\"");
        assertThat(BnbQuantizationConfig.fromJson(json)).isEqualTo(c);
        assertThat(c.spec()).isEqualTo(QuantSpec.qlora());
        BnbQuantizationConfig int8 = new BnbQuantizationConfig(QuantFormat.INT8, AbsmaxEncoding.FLOAT32, DType.F16, List.of("lm_head"));
        assertThat(BnbQuantizationConfig.fromJson(int8.toJson())).isEqualTo(int8);
    }

    @Test
    void readsTransformersStyleConfigs() {
        String hf = """
                {"bnb_4bit_compute_dtype": "float16", "bnb_4bit_quant_type": "fp4", "bnb_4bit_use_double_quant": false,
                 "llm_int8_skip_modules": ["lm_head"], "load_in_4bit": true, "load_in_8bit": false, "quant_method": "bitsandbytes"}""";
        BnbQuantizationConfig c = BnbQuantizationConfig.fromJson(hf);
        assertThat(c.format()).isEqualTo(QuantFormat.FP4);
        assertThat(c.absmaxEncoding()).isEqualTo(AbsmaxEncoding.FLOAT32);
        assertThat(c.computeDType()).isEqualTo(DType.F16);
        assertThat(c.skipModules()).containsExactly("lm_head");
    }

    @Test
    void rejectsOtherMethodsAndContradictions() {
        assertThatThrownBy(() -> BnbQuantizationConfig.fromJson("{\"quant_method\": \"gptq\", \"bits\": 4}")).hasMessageContaining("gptq");
        assertThatThrownBy(() -> BnbQuantizationConfig.fromJson("{\"quant_method\": \"bitsandbytes\", \"load_in_4bit\": true, \"load_in_8bit\": true}"))
                .hasMessageContaining("exactly one");
        assertThatThrownBy(() -> BnbQuantizationConfig.fromJson("{\"quant_method\": \"bitsandbytes\", \"load_in_4bit\": 1}"))
                .hasMessageContaining("load_in_4bit");
    }
}
