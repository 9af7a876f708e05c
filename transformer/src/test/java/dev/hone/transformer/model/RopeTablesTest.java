package dev.hone.transformer.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * RoPE inverse frequencies with no, linear and Llama 3.1 scaling against an independent numpy
 * transcription of transformers' rope utilities (src/test/resources/rope/make_llama3_inv_freq.py, which
 * generated llama3_inv_freq.json), for Llama 3.1 8B's settings.
 */
class RopeTablesTest {

    private static JsonNode reference() throws IOException {
        try (InputStream in = RopeTablesTest.class.getResourceAsStream("/rope/llama3_inv_freq.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static void assertMatches(double[] actual, JsonNode expected) {
        assertThat(actual).hasSize(expected.size());
        for (int j = 0; j < actual.length; j++) {
            double e = expected.get(j).asDouble();
            assertThat(actual[j]).as("inv_freq[%d]", j).isCloseTo(e, within(1e-12 * Math.max(1, Math.abs(e)) + 1e-15));
        }
    }

    @Test
    void inverseFrequenciesMatchTransformersFormulas() throws IOException {
        JsonNode ref = reference();
        int headDim = ref.get("head_dim").asInt();
        double theta = ref.get("theta").asDouble();
        JsonNode l3 = ref.get("llama3");
        assertMatches(RopeTables.inverseFrequencies(headDim, theta, new RopeScaling.None()), ref.get("default").get("inv_freq"));
        assertMatches(RopeTables.inverseFrequencies(headDim, theta, new RopeScaling.Linear(4)), ref.get("linear").get("inv_freq"));
        assertMatches(RopeTables.inverseFrequencies(headDim, theta, new RopeScaling.Llama3(l3.get("factor").asDouble(),
                l3.get("low_freq_factor").asDouble(), l3.get("high_freq_factor").asDouble(),
                l3.get("original_max_position_embeddings").asInt())), l3.get("inv_freq"));
    }
}
