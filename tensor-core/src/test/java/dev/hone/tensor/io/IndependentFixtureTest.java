package dev.hone.tensor.io;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.io.JsonValue.JsonArray;
import dev.hone.tensor.io.JsonValue.JsonNumber;
import dev.hone.tensor.io.JsonValue.JsonObject;
import dev.hone.tensor.io.JsonValue.JsonString;
import dev.hone.tensor.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads files written by an independent writer (src/test/resources/safetensors/make_fixtures.py: numpy
 * plus struct/json following the published format) and checks every tensor's dtype, shape and exact
 * values against the expected.json the script wrote alongside. The fixture's data is deliberately
 * unaligned and its header lists tensors in another order than the data. Also re-writes what was read
 * and reads it back, so the writer's output is checked against the same independent values.
 */
class IndependentFixtureTest {
    @TempDir Path dir;

    private static JsonObject expected(Path file) throws IOException {
        return (JsonObject) JsonParser.parse(Files.readString(file));
    }

    private static Map<String, String> strings(JsonValue v) {
        Map<String, String> out = new LinkedHashMap<>();
        ((JsonObject) v).members().forEach((k, x) -> out.put(k, ((JsonString) x).value()));
        return out;
    }

    private static List<String> order(JsonObject expected) {
        List<String> out = new ArrayList<>();
        for (JsonValue v : ((JsonArray) expected.members().get("order")).elements()) out.add(((JsonString) v).value());
        return out;
    }

    /** Asserts dtype, shape and values of {@code actual} against one expected.json tensor entry. */
    private static void assertMatches(String name, Tensor actual, JsonObject spec) {
        DType dtype = DType.fromSafetensorsName(((JsonString) spec.members().get("dtype")).value());
        List<JsonValue> dims = ((JsonArray) spec.members().get("shape")).elements();
        int[] shape = new int[dims.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = Integer.parseInt(((JsonNumber) dims.get(i)).literal());
        List<JsonValue> values = ((JsonArray) spec.members().get("values")).elements();
        assertThat(actual.dtype()).as(name).isEqualTo(dtype);
        assertThat(actual.shape()).as(name).isEqualTo(Shape.of(shape));
        assertThat(actual.numel()).as(name).isEqualTo(values.size());
        if (dtype.isFloating()) {
            double[] want = new double[values.size()];
            for (int i = 0; i < want.length; i++) want[i] = Double.parseDouble(((JsonNumber) values.get(i)).literal());
            assertThat(actual.toDoubleArray()).as(name).isEqualTo(want);
        } else {
            long[] want = new long[values.size()];
            for (int i = 0; i < want.length; i++) want[i] = Long.parseLong(((JsonNumber) values.get(i)).literal());
            assertThat(actual.toLongArray()).as(name).isEqualTo(want);
        }
    }

    @Test
    void readsTheIndependentlyWrittenFileExactlyAndWritesItBackIdentically() throws IOException {
        Path fixtures = RawFiles.fixtures();
        JsonObject expected = expected(fixtures.resolve("independent.expected.json"));
        JsonObject specs = (JsonObject) expected.members().get("tensors");
        Path rewritten = dir.resolve("rewritten.safetensors");
        try (ReferenceBackend backend = new ReferenceBackend(); Scope _ = Scope.open(backend);
             SafetensorsFile f = SafetensorsFile.open(fixtures.resolve("independent.safetensors"))) {
            assertThat(f.names()).isEqualTo(order(expected));
            assertThat(f.metadata()).containsExactlyEntriesOf(strings(expected.members().get("metadata")));
            assertThat(f.info("emb.weight").byteOffset() % 4).as("the fixture is deliberately unaligned").isNotZero();
            Map<String, Tensor> all = new LinkedHashMap<>();
            for (String name : f.names()) {
                assertMatches(name, f.tensor(name), (JsonObject) specs.members().get(name));
                all.put(name, f.tensor(name));
            }
            SafetensorsWriter.write(rewritten, all, f.metadata());
            try (SafetensorsFile back = SafetensorsFile.open(rewritten)) {
                assertThat(back.names()).containsExactlyInAnyOrderElementsOf(f.names());
                for (String name : back.names()) {
                    assertMatches(name, back.tensor(name), (JsonObject) specs.members().get(name));
                    assertThat(back.bytes(name).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                            .isEqualTo(f.bytes(name).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                }
            }
        }
    }

    @Test
    void shardedCheckpointMapsEveryNameToItsShard() throws IOException {
        Path sharded = RawFiles.fixtures().resolve("sharded");
        JsonObject expected = expected(sharded.resolve("expected.json"));
        JsonObject specs = (JsonObject) expected.members().get("tensors");
        try (ReferenceBackend backend = new ReferenceBackend(); Scope _ = Scope.open(backend)) {
            Tensor copy;
            try (ShardedSafetensors model = ShardedSafetensors.open(sharded.resolve("model.safetensors.index.json"))) {
                assertThat(model.names()).isEqualTo(order(expected));
                assertThat(model.metadata()).containsExactlyEntriesOf(strings(expected.members().get("metadata")));
                assertThat(model.shards()).hasSize(2);
                assertThat(model.shardOf("lm_head.bias").path().getFileName().toString()).isEqualTo("model-00002-of-00002.safetensors");
                assertThat(model.shardOf("model.embed_tokens.weight").path().getFileName().toString())
                        .isEqualTo("model-00001-of-00002.safetensors");
                for (String name : model.names()) {
                    assertMatches(name, model.tensor(name), (JsonObject) specs.members().get(name));
                    assertThat(model.info(name).dtype()).isEqualTo(model.tensor(name).dtype());
                }
                copy = model.tensorCopy("lm_head.bias");
            }
            assertMatches("lm_head.bias", copy, (JsonObject) specs.members().get("lm_head.bias"));
        }
    }
}
