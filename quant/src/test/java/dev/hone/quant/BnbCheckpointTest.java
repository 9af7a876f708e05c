package dev.hone.quant;

import dev.hone.tensor.DType;
import dev.hone.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * bitsandbytes' state-dict layout: entry names, dtypes and shapes, the quant_state JSON byte for byte
 * (expected texts are Python's json.dumps output, written by reference/make_reference.py), round trips,
 * and clear errors naming the tensor for corrupt entries.
 */
class BnbCheckpointTest {
    private static final String NAME = "model.layers.0.mlp.down_proj.weight";
    private static final ReferenceData REF = ReferenceData.load();

    @Test
    void doubleQuantizedNf4HasBnbsEntries() {
        QuantizedTensor q = QuantizedTensor.quantize(QuantizedTensorTest.gaussian(128 * 96, 1), Shape.of(128, 96), QuantSpec.qlora());
        Map<String, StoredTensor> sd = BnbCheckpoint.toStateDict(NAME, q);
        assertThat(sd.keySet()).containsExactly(NAME, NAME + ".absmax", NAME + ".quant_map", NAME + ".nested_absmax",
                NAME + ".nested_quant_map", NAME + ".quant_state.bitsandbytes__nf4");
        assertThat(sd.get(NAME).dtype()).isEqualTo(DType.U8);
        assertThat(sd.get(NAME).shape()).isEqualTo(Shape.of(128 * 96 / 2, 1));
        assertThat(sd.get(NAME + ".absmax").dtype()).isEqualTo(DType.U8);
        assertThat(sd.get(NAME + ".absmax").shape()).isEqualTo(Shape.of(192));
        assertThat(sd.get(NAME + ".nested_absmax").shape()).isEqualTo(Shape.of(1));
        assertThat(sd.get(NAME + ".nested_quant_map").floats()).containsExactly(CodeBooks.signedDynamic8().values());
        assertThat(sd.get(NAME + ".quant_map").floats()).containsExactly(CodeBooks.nf4().values());
        assertThat(BnbCheckpoint.isQuantized(NAME, sd.keySet())).isTrue();
        assertThat(BnbCheckpoint.fromStateDict(NAME, sd)).isEqualTo(q);
    }

    @Test
    void quantStateJsonMatchesPythonsJsonDumpsByteForByte() {
        Map<String, String> expected = new LinkedHashMap<>();
        for (String line : ReferenceData.text("quant_state.tsv").split("\n")) expected.put(line.split("\t")[0], line.split("\t")[1]);
        for (ReferenceData.Case c : ReferenceVectorsTest.fourBitCases()) {
            float[] input = REF.floats(c.input(), "input");
            QuantFormat format = QuantFormat.ofBnbQuantType(c.format());
            QuantizedTensor dq = QuantizedTensor.quantize(input, Shape.of(input.length), new QuantSpec(format, c.blocksize(), AbsmaxEncoding.DOUBLE_QUANT));
            assertThat(BnbCheckpoint.quantStateJson(dq)).isEqualTo(expected.get(c.name()));
            float[] head = java.util.Arrays.copyOf(input, input.length / 3 * 3);
            QuantizedTensor plain = new QuantizedTensor("t", format, Shape.of(3, input.length / 3), DType.BF16, c.blocksize(),
                    QuantizedTensor.quantize(head, Shape.of(head.length), new QuantSpec(format, c.blocksize(), AbsmaxEncoding.FLOAT32)).dataCopy(),
                    QuantizedTensor.quantize(head, Shape.of(head.length), new QuantSpec(format, c.blocksize(), AbsmaxEncoding.FLOAT32)).absmax());
            assertThat(BnbCheckpoint.quantStateJson(plain)).isEqualTo(expected.get(c.name() + "_plain_bf16"));
        }
    }

    @Test
    void floatsAreWrittenAsPythonWritesThem() {
        for (String line : ReferenceData.text("python_float_repr.tsv").split("\n")) {
            String[] f = line.split("\t");
            float value = Float.intBitsToFloat(Integer.parseUnsignedInt(f[0], 16));
            assertThat(MiniJson.pythonFloat(value)).as("bits %s", f[0]).isEqualTo(f[1]);
        }
    }

    @Test
    void everyFormatRoundTripsThroughTheStateDict() {
        float[] w = QuantizedTensorTest.gaussian(64 * 33, 2);
        for (QuantSpec spec : List.of(QuantSpec.qlora(), QuantSpec.of(QuantFormat.NF4), QuantSpec.of(QuantFormat.FP4),
                new QuantSpec(QuantFormat.FP4, 128, AbsmaxEncoding.DOUBLE_QUANT))) {
            QuantizedTensor q = QuantizedTensor.quantize(w, Shape.of(64, 33), spec);
            QuantizedTensor back = BnbCheckpoint.fromStateDict(NAME, BnbCheckpoint.toStateDict(NAME, q));
            assertThat(back).as(spec.toString()).isEqualTo(q);
            assertThat(back.dequantize()).containsExactly(q.dequantize());
        }
        QuantizedTensor int8 = QuantizedTensor.quantize(w, Shape.of(64, 33), QuantSpec.int8());
        Map<String, StoredTensor> sd = BnbCheckpoint.toStateDict(NAME, int8);
        assertThat(sd.keySet()).containsExactly(NAME, "model.layers.0.mlp.down_proj.SCB", "model.layers.0.mlp.down_proj.weight_format");
        QuantizedTensor back = BnbCheckpoint.fromStateDict(NAME, sd);
        assertThat(back.dataCopy()).containsExactly(int8.dataCopy());
        assertThat(back.dequantize()).containsExactly(int8.dequantize());
    }

    @Test
    void corruptQuantStateGivesErrorsNamingTheTensor() {
        expectError(sd -> json(sd, json(sd).replace("\"blocksize\": 64, ", "")), "quant_state has no field 'blocksize'");
        expectError(sd -> json(sd, json(sd).replace("\"shape\": [128, 96]", "\"shape\": [128, 95]")), "needs 6080");
        expectError(sd -> json(sd, json(sd).replace("\"blocksize\": 64", "\"blocksize\": 48")), "blocksize 48");
        expectError(sd -> json(sd, json(sd).replace("\"blocksize\": 64", "\"blocksize\": \"64\"")), "field 'blocksize'");
        expectError(sd -> json(sd, json(sd).replace("\"dtype\": \"float32\"", "\"dtype\": \"int8\"")), "dtype 'int8'");
        expectError(sd -> json(sd, json(sd).substring(3)), "malformed JSON");
        expectError(sd -> json(sd, json(sd).replace("}", ", \"extra\": 1}")), "unexpected quant_state field 'extra'");
        expectError(sd -> json(sd, json(sd).replace("\"quant_type\": \"nf4\"", "\"quant_type\": \"fp4\"")), "quant_type 'fp4'");
        expectError(sd -> sd.put(NAME, StoredTensor.ofBytes(DType.U8, new byte[100], Shape.of(100, 1))), "holds 100 bytes");
        expectError(sd -> sd.put(NAME + ".absmax", StoredTensor.ofBytes(DType.U8, new byte[191], Shape.of(191))), "needs 192 absmax values, got 191");
        expectError(sd -> sd.put(NAME + ".nested_absmax", StoredTensor.ofFloats(new float[2], Shape.of(2))), "need 1 nested absmax values, got 2");
        expectError(sd -> sd.remove(NAME + ".nested_quant_map"), "'" + NAME + ".nested_quant_map' is missing");
        expectError(sd -> sd.put(NAME + ".quant_map", StoredTensor.ofFloats(CodeBooks.fp4().values(), Shape.of(16))), "not bitsandbytes' NF4 table");
        expectError(sd -> sd.remove(NAME + ".quant_state.bitsandbytes__nf4"), "no " + NAME + ".quant_state.bitsandbytes__nf4");
    }

    @Test
    void plainAbsmaxCountMismatchIsNamed() {
        QuantizedTensor q = QuantizedTensor.quantize(QuantizedTensorTest.gaussian(256, 3), Shape.of(256), QuantSpec.of(QuantFormat.FP4));
        Map<String, StoredTensor> sd = new LinkedHashMap<>(BnbCheckpoint.toStateDict("w", q));
        sd.put("w.absmax", StoredTensor.ofFloats(new float[5], Shape.of(5)));
        assertThatThrownBy(() -> BnbCheckpoint.fromStateDict("w", sd)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'w'").hasMessageContaining("needs 4 absmax values, got 5");
    }

    private static void expectError(Consumer<Map<String, StoredTensor>> corrupt, String detail) {
        QuantizedTensor q = QuantizedTensor.quantize(QuantizedTensorTest.gaussian(128 * 96, 1), Shape.of(128, 96), QuantSpec.qlora());
        Map<String, StoredTensor> sd = new LinkedHashMap<>(BnbCheckpoint.toStateDict(NAME, q));
        corrupt.accept(sd);
        assertThatThrownBy(() -> BnbCheckpoint.fromStateDict(NAME, sd)).as(detail).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + NAME + "'").hasMessageContaining(detail);
    }

    private static String json(Map<String, StoredTensor> sd) {
        return new String(sd.get(NAME + ".quant_state.bitsandbytes__nf4").bytes(), StandardCharsets.UTF_8);
    }

    private static void json(Map<String, StoredTensor> sd, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        sd.put(NAME + ".quant_state.bitsandbytes__nf4", StoredTensor.ofBytes(DType.U8, b, Shape.of(b.length)));
    }
}
