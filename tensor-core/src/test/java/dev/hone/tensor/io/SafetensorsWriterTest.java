package dev.hone.tensor.io;

import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.reference.ReferenceBackend;
import dev.hone.tensor.testkit.SimulatedDeviceBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The writer's bytes, refusals and atomicity. Exact bytes are compared with the expected outputs in
 * the reference implementation's own unit tests (huggingface/safetensors, safetensors/src/tensor.rs:
 * test_serialization_forced_alignement and test_empty), which use the same single-tensor inputs.
 * A write that fails midway leaves the previous file byte-identical and no temporary file behind.
 */
class SafetensorsWriterTest {
    @TempDir Path dir;
    private ReferenceBackend backend;
    private Scope scope;

    @BeforeEach
    void open() {
        backend = new ReferenceBackend();
        scope = Scope.open(backend);
    }

    @AfterEach
    void close() {
        scope.close();
        backend.close();
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) out[i] = (byte) values[i];
        return out;
    }

    @Test
    void bytesEqualTheReferenceImplementationsTestVectors() throws IOException {
        Path f = dir.resolve("attn.safetensors");
        SafetensorsWriter.write(f, Map.of("attn0", Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 1, 1, 2, 3)));
        // test_serialization_forced_alignement: 72-byte header padded with 7 spaces, then 6 floats
        assertThat(Files.readAllBytes(f)).isEqualTo(bytes(
                72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
                121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
                91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
                115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
                32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
                160, 64));
        SafetensorsWriter.write(f, Map.of());
        // test_empty without metadata
        assertThat(Files.readAllBytes(f)).isEqualTo(bytes(8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32));
        SafetensorsWriter.write(f, Map.of(), Map.of("framework", "pt"));
        // test_empty with {"framework": "pt"}
        assertThat(Files.readAllBytes(f)).isEqualTo(bytes(
                40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
                95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
                116, 34, 125, 125, 32, 32, 32, 32, 32));
    }

    @Test
    void aWriteFailingMidwayLeavesThePreviousFileAndNoTemporaryFile() throws IOException {
        Path target = dir.resolve("model.safetensors");
        SafetensorsWriter.write(target, Map.of("old", Tensor.of(new float[] {1, 2, 3}, 3)));
        byte[] before = Files.readAllBytes(target);

        // "second" is a view over a file that gets unmapped: reading its bytes throws after "first" was written
        Path other = dir.resolve("other.safetensors");
        SafetensorsWriter.write(other, Map.of("x", Tensor.of(new float[] {9, 9}, 2)));
        SafetensorsFile mapped = SafetensorsFile.open(other);
        Tensor dying = mapped.tensor("x");
        mapped.close();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("first", Tensor.of(new float[] {4, 5, 6, 7}, 4));
        tensors.put("second", dying);

        assertThatThrownBy(() -> SafetensorsWriter.write(target, tensors))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageStartingWith(target.toString())
                .hasMessageContaining("tensor 'second'")
                .hasMessageContaining("previous file left unchanged");
        assertThat(Files.readAllBytes(target)).isEqualTo(before);
        try (var listing = Files.list(dir)) {
            assertThat(listing.map(p -> p.getFileName().toString()).sorted()).containsExactly("model.safetensors", "other.safetensors");
        }
    }

    @Test
    void aMissingDirectoryFailsWithoutCreatingAnything() {
        Path target = dir.resolve("missing").resolve("m.safetensors");
        assertThatThrownBy(() -> SafetensorsWriter.write(target, Map.of("w", Tensor.of(new float[] {1}, 1))))
                .isInstanceOf(SafetensorsException.class).hasMessageStartingWith(target.toString());
        assertThat(Files.exists(target.getParent())).isFalse();
    }

    @Test
    void emptyAndReservedNamesAreRefused() {
        Path target = dir.resolve("n.safetensors");
        Tensor t = Tensor.of(new float[] {1}, 1);
        assertThatThrownBy(() -> SafetensorsWriter.write(target, Map.of("", t)))
                .isInstanceOf(SafetensorsException.class).hasMessageContaining("empty name");
        assertThatThrownBy(() -> SafetensorsWriter.write(target, Map.of("__metadata__", t)))
                .isInstanceOf(SafetensorsException.class).hasMessageContaining("reserved");
        assertThatThrownBy(() -> SafetensorsWriter.write(target, Map.of("bad\uD800", t)))
                .isInstanceOf(SafetensorsException.class).hasMessageContaining("unpaired surrogate");
        assertThat(Files.exists(target)).isFalse();
    }

    @Test
    void deviceTensorsAreDownloadedToWriteAndUploadedToRead() {
        SimulatedDeviceBackend device = new SimulatedDeviceBackend(backend);
        Path target = dir.resolve("device.safetensors");
        try (Scope _ = Scope.open(device)) {
            Tensor w = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
            Tensor strided = w.mT();                                                   // [3, 2] view: written via a dense copy
            long uploads = device.uploads();
            SafetensorsWriter.write(target, Map.of("w", w, "wT", strided));
            assertThat(device.downloads()).isEqualTo(2);
            assertThat(device.uploads()).isEqualTo(uploads);

            try (SafetensorsFile f = SafetensorsFile.open(target)) {
                Tensor read = f.tensor("w"), copy = f.tensorCopy("wT");
                assertThat(read.device()).isEqualTo(SimulatedDeviceBackend.DEVICE);
                assertThat(copy.device()).isEqualTo(SimulatedDeviceBackend.DEVICE);
                assertThat(device.uploads()).isEqualTo(uploads + 2);
                assertThat(read.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
                assertThat(copy.toFloatArray()).containsExactly(1, 4, 2, 5, 3, 6);
            }
            assertThatThrownBy(() -> w.getFloat(0, 0)).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("cuda:7");
        }
        try (SafetensorsFile f = SafetensorsFile.open(target)) {
            assertThat(f.tensor("wT").toFloatArray()).containsExactly(1, 4, 2, 5, 3, 6);
        }
    }

    @Test
    void releasedTensorsAreRefusedBeforeWriting() {
        Tensor t;
        try (Scope _ = Scope.open()) {
            t = Tensor.of(new float[] {1, 2}, 2);
        }
        Path target = dir.resolve("released.safetensors");
        assertThatThrownBy(() -> SafetensorsWriter.write(target, Map.of("w", t)))
                .isInstanceOf(SafetensorsException.class).hasMessageContaining("tensor 'w'").hasMessageContaining("released");
        assertThat(Files.exists(target)).isFalse();
    }
}
