package dev.hone.tensor.io;

import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Index files that disagree with their shards, or point outside their directory, are refused with the
 * index file and tensor named; shards opened before the failure are closed again.
 */
class ShardedSafetensorsTest {
    @TempDir Path dir;

    private Path index(String json) throws IOException { return Files.writeString(dir.resolve("model.safetensors.index.json"), json); }

    private void shards() {
        try (ReferenceBackend backend = new ReferenceBackend(); Scope _ = Scope.open(backend)) {
            SafetensorsWriter.write(dir.resolve("a.safetensors"), Map.of("x", Tensor.of(new float[] {1}, 1)));
            SafetensorsWriter.write(dir.resolve("b.safetensors"), Map.of("y", Tensor.of(new float[] {2}, 1)));
            Map<String, Tensor> two = new java.util.LinkedHashMap<>();
            two.put("q", Tensor.of(new float[] {3}, 1));
            two.put("x", Tensor.of(new float[] {4}, 1));
            SafetensorsWriter.write(dir.resolve("c.safetensors"), two);
        }
    }

    private void assertRejected(String json, String... fragments) throws IOException {
        Path idx = index(json);
        var thrown = assertThatThrownBy(() -> ShardedSafetensors.open(idx).close())
                .isInstanceOf(SafetensorsException.class).hasMessageStartingWith(idx.toString());
        for (String s : fragments) thrown.hasMessageContaining(s);
    }

    @Test
    void aConsistentIndexOpens() throws IOException {
        shards();
        try (ShardedSafetensors s = ShardedSafetensors.open(index("{\"weight_map\":{\"y\":\"b.safetensors\",\"x\":\"a.safetensors\"}}"))) {
            assertThat(s.names()).containsExactly("y", "x");
            assertThat(s.metadata()).isEmpty();
            assertThat(s.info("x").dtype().safetensorsName()).isEqualTo("F32");
            assertThatThrownBy(() -> s.info("z")).isInstanceOf(SafetensorsException.class).hasMessageContaining("tensor 'z'");
        }
    }

    @Test
    void disagreementsBetweenIndexAndShardsAreRefused() throws IOException {
        shards();
        assertRejected("{\"weight_map\":{\"x\":\"b.safetensors\",\"y\":\"b.safetensors\"}}", "tensor 'x'", "does not hold it");
        assertRejected("{\"weight_map\":{\"q\":\"c.safetensors\"}}", "tensor 'x'", "shard c.safetensors holds it but weight_map does not list it");
        assertRejected("{\"weight_map\":{\"x\":\"a.safetensors\",\"q\":\"c.safetensors\"}}", "tensor 'x'", "places it in a.safetensors");
        assertRejected("{\"weight_map\":{\"x\":\"a.safetensors\",\"y\":\"missing.safetensors\"}}", "missing.safetensors");
        assertRejected("{\"metadata\":{}}", "missing 'weight_map'");
        assertRejected("{\"weight_map\":{\"x\":1}}", "weight_map value of 'x' must be a string");
        assertRejected("{\"weight_map\":{},\"extra\":1}", "unexpected key 'extra'");
        assertRejected("{\"weight_map\":", "not valid JSON");
    }

    @Test
    void shardNamesMustStayInsideTheIndexDirectory() throws IOException {
        shards();
        assertRejected("{\"weight_map\":{\"x\":\"../a.safetensors\"}}", "must be a file name inside");
        assertRejected("{\"weight_map\":{\"x\":\"/etc/passwd\"}}", "must be a file name inside");
        assertRejected("{\"weight_map\":{\"x\":\"sub/a.safetensors\"}}", "must be a file name inside");
        assertRejected("{\"weight_map\":{\"x\":\"\"}}", "must be a file name inside");
    }
}
