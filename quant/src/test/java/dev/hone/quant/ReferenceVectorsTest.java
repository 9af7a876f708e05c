package dev.hone.quant;

import dev.hone.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bit-exact agreement with reference/make_reference.py, an independent numpy implementation of
 * bitsandbytes' published algorithm (cross-checked against PyTorch by crosscheck_torch.py): packed
 * nibbles, absmax, double-quantization offset / codes / nested absmax, dequantized values, the
 * dynamic map and int8 rowwise codes. Inputs cover a Gaussian tensor with 20001 elements (odd count,
 * partial last block, up to three nested blocks) and crafted blocks: exact NF4 and FP4 midpoints,
 * every table value, +-0, an all-zero block, all-equal blocks, tiny and large magnitudes.
 */
class ReferenceVectorsTest {
    private static final ReferenceData REF = ReferenceData.load();

    static List<ReferenceData.Case> fourBitCases() {
        return REF.cases().stream().filter(c -> !c.format().equals("int8")).toList();
    }

    @Test
    void codeBooksEqualTheReferenceTables() {
        assertThat(bits(CodeBooks.nf4().values())).containsExactly(bits(REF.floats("maps", "nf4")));
        assertThat(bits(CodeBooks.fp4().values())).containsExactly(bits(REF.floats("maps", "fp4")));
        assertThat(bits(CodeBooks.signedDynamic8().values())).containsExactly(bits(REF.floats("maps", "dynamic")));
    }

    @Test
    void dynamicMapEqualsTorchsCreateDynamicMap() {
        String[] hex = ReferenceData.text("dynamic_map_torch.txt").lines().filter(l -> !l.startsWith("#")).findFirst().orElseThrow().split(" ");
        int[] torch = new int[hex.length];
        for (int i = 0; i < hex.length; i++) torch[i] = Integer.parseUnsignedInt(hex[i].strip(), 16);
        assertThat(bits(CodeBooks.signedDynamic8().values())).containsExactly(torch);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fourBitCases")
    void fourBitCodesAndAbsmaxAreBitExact(ReferenceData.Case c) {
        QuantizedTensor q = QuantizedTensor.quantize(REF.floats(c.input(), "input"), Shape.of(c.numel()),
                new QuantSpec(format(c), c.blocksize(), AbsmaxEncoding.FLOAT32));
        assertThat(q.dataCopy()).as("packed nibbles").containsExactly(REF.bytes(c.name(), "packed"));
        assertThat(bits(q.blockAbsmax())).as("absmax").containsExactly(bits(REF.floats(c.name(), "absmax")));
        if (REF.has(c.name(), "dequantized")) {
            assertThat(bits(q.dequantize())).as("dequantized").containsExactly(bits(REF.floats(c.name(), "dequantized")));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fourBitCases")
    void doubleQuantizedAbsmaxIsBitExact(ReferenceData.Case c) {
        QuantizedTensor q = QuantizedTensor.quantize(REF.floats(c.input(), "input"), Shape.of(c.numel()),
                new QuantSpec(format(c), c.blocksize(), AbsmaxEncoding.DOUBLE_QUANT));
        Absmax.DoubleQuantized dq = (Absmax.DoubleQuantized) q.absmax();
        assertThat(q.dataCopy()).as("packed nibbles").containsExactly(REF.bytes(c.name(), "packed"));
        assertThat(Float.floatToRawIntBits(dq.offset())).as("offset").isEqualTo(Float.floatToRawIntBits(REF.floats(c.name(), "offset")[0]));
        assertThat(dq.codes()).as("nested codes").containsExactly(REF.bytes(c.name(), "qabsmax"));
        assertThat(bits(dq.nestedAbsmax())).as("nested absmax").containsExactly(bits(REF.floats(c.name(), "nested_absmax")));
        assertThat(bits(dq.recover())).as("recovered absmax").containsExactly(bits(REF.floats(c.name(), "recovered_absmax")));
        if (REF.has(c.name(), "dq_dequantized")) {
            assertThat(bits(q.dequantize())).as("dequantized").containsExactly(bits(REF.floats(c.name(), "dq_dequantized")));
        }
    }

    @Test
    void int8RowwiseCodesAndAbsmaxAreBitExact() {
        ReferenceData.Case c = REF.cases().stream().filter(k -> k.format().equals("int8")).findFirst().orElseThrow();
        QuantizedTensor q = QuantizedTensor.quantize(REF.floats("int8", "input"), Shape.of(c.rows(), c.cols()), QuantSpec.int8());
        assertThat(q.dataCopy()).containsExactly(REF.bytes("int8", "codes"));
        assertThat(bits(q.blockAbsmax())).containsExactly(bits(REF.floats("int8", "absmax")));
    }

    private static QuantFormat format(ReferenceData.Case c) { return QuantFormat.ofBnbQuantType(c.format()); }

    static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < out.length; i++) out[i] = Float.floatToRawIntBits(values[i]);
        return out;
    }
}
