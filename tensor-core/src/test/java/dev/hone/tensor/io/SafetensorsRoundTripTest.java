package dev.hone.tensor.io;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.reference.ReferenceBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Writer then reader: every dtype, contiguous and strided views, scalars, empty tensors and metadata
 * come back with identical values; the file layout is the spec's (8-byte aligned header, data aligned
 * per element size); mapped tensors are zero-copy, read-only and die with the file, copies survive it.
 */
class SafetensorsRoundTripTest {
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

    private static double[] ramp(int n, double scale, double shift) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = i * scale + shift;
        return v;
    }

    private Map<String, Tensor> everyDtype() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("bool", Tensor.of(DType.BOOL, new double[] {1, 0, 1, 1, 0}, 5));
        m.put("u8", Tensor.of(DType.U8, new double[] {0, 1, 128, 255}, 2, 2));
        m.put("i8", Tensor.of(DType.I8, new double[] {-128, -1, 0, 127}, 4));
        m.put("f16", Tensor.of(DType.F16, new double[] {0.5, -2, 65504, -0.0, 6.1035156e-05, Double.POSITIVE_INFINITY}, 2, 3));
        m.put("bf16", Tensor.of(DType.BF16, ramp(12, 0.3, -1.7), 3, 4));
        m.put("i32", Tensor.ofInts(new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE, 17, -42}, 3, 2));
        m.put("f32", Tensor.of(new float[] {1.5f, Float.NaN, -0.0f, Float.MIN_VALUE, Float.MAX_VALUE, 3.25f}, 1, 2, 3));
        m.put("i64", Tensor.ofLongs(new long[] {Long.MIN_VALUE, (1L << 53) + 1, -3, Long.MAX_VALUE}, 4));
        m.put("f64", Tensor.of(DType.F64, new double[] {Math.PI, -Math.E, 1e-300, 1e300}, 2, 2));
        m.put("scalar.f32", Tensor.of(DType.F32, new double[] {2.75}));
        m.put("empty.i64", Tensor.ofLongs(new long[0], 0, 3));
        m.put("empty.bf16", Tensor.of(DType.BF16, new double[0], 2, 0));
        return m;
    }

    private static void assertSameValues(Tensor actual, Tensor expected) {
        assertThat(actual.dtype()).isEqualTo(expected.dtype());
        assertThat(actual.shape()).isEqualTo(expected.shape());
        if (expected.dtype().isFloating()) {
            assertThat(actual.toDoubleArray()).containsExactly(expected.toDoubleArray());
        } else {
            assertThat(actual.toLongArray()).containsExactly(expected.toLongArray());
        }
    }

    @Test
    void everyDtypeRoundTripsExactlyWithMetadata() {
        Map<String, Tensor> tensors = everyDtype();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("quote\"and\\slash\n", "é ✓ \u0001");
        Path file = dir.resolve("all.safetensors");
        SafetensorsWriter.write(file, tensors, meta);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.names()).containsExactlyInAnyOrderElementsOf(tensors.keySet());
            assertThat(f.metadata()).containsExactlyEntriesOf(meta);
            for (var e : tensors.entrySet()) {
                assertSameValues(f.tensor(e.getKey()), e.getValue());
                assertSameValues(f.tensorCopy(e.getKey()), e.getValue());
                TensorInfo info = f.info(e.getKey());
                assertThat(info.byteLength()).isEqualTo(e.getValue().numel() * e.getValue().dtype().byteSize());
            }
            assertThat(f.tensor("scalar.f32").shape()).isEqualTo(Shape.scalar());
            assertThat(f.tensor("scalar.f32").item()).isEqualTo(2.75);
        }
    }

    @Test
    void layoutIsAlignedAndOrderedByElementSizeThenCallerOrder() throws IOException {
        Path file = dir.resolve("aligned.safetensors");
        SafetensorsWriter.write(file, everyDtype());
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertThat(n % 8).isZero();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.names()).containsExactly("i64", "f64", "empty.i64", "i32", "f32", "scalar.f32", "f16", "bf16", "empty.bf16",
                    "bool", "u8", "i8");
            for (String name : f.names()) {
                TensorInfo info = f.info(name);
                assertThat(info.byteOffset() % info.dtype().byteSize()).as(name).isZero();
            }
        }
    }

    @Test
    void stridedViewsAreWrittenInRowMajorOrder() {
        Tensor base = Tensor.of(DType.F32, ramp(24, 1, 0), 2, 3, 4);
        Map<String, Tensor> views = new LinkedHashMap<>();
        views.put("transposed", base.transpose(1, 2));                              // inner stride 3: element path
        views.put("narrowedInner", base.narrow(2, 1, 2));                          // inner stride 1, gaps: row path
        views.put("permuted.bf16", Tensor.of(DType.BF16, ramp(24, 0.5, -3), 2, 3, 4).permute(2, 0, 1));
        views.put("broadcast.i32", Tensor.ofInts(new int[] {7, 8, 9}, 1, 3).expand(4, 3));
        views.put("columnOfMatrix.i64", Tensor.ofLongs(new long[] {1, 2, 3, 4, 5, 6}, 3, 2).narrow(1, 1, 1));
        views.put("transposed.u8", Tensor.of(DType.U8, ramp(6, 40, 3), 2, 3).mT());
        views.put("transposed.f64", Tensor.of(DType.F64, ramp(6, -0.1, 1), 3, 2).mT());
        views.put("emptyNarrow", base.narrow(1, 1, 0));
        views.put("scalarView", base.narrow(0, 1, 1).narrow(1, 2, 1).narrow(2, 3, 1).reshape());
        Path file = dir.resolve("views.safetensors");
        SafetensorsWriter.write(file, views);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (var e : views.entrySet()) {
                if (e.getValue().numel() > 1) assertThat(e.getValue().isContiguous()).as(e.getKey()).isFalse();
                assertSameValues(f.tensor(e.getKey()), e.getValue());
            }
        }
    }

    @Test
    void rowsLongerThanTheStagingBufferAreWrittenDirectly() {
        int cols = 300_000; // 1.2 MB rows, larger than the writer's 1 MiB staging buffer
        float[] data = new float[2 * cols];
        for (int i = 0; i < data.length; i++) data[i] = i;
        Tensor view = Tensor.of(data, 2, cols).narrow(1, 1, cols - 1);
        Path file = dir.resolve("long.safetensors");
        SafetensorsWriter.write(file, Map.of("w", view));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Tensor back = f.tensor("w");
            assertThat(back.getFloat(0, 0)).isEqualTo(1f);
            assertThat(back.getFloat(1, cols - 2)).isEqualTo(2f * cols - 1);
            assertThat(back.toFloatArray()).isEqualTo(view.toFloatArray());
        }
    }

    @Test
    void mappedTensorsAreZeroCopyReadOnlyAndDieWithTheFile() throws IOException {
        Path file = dir.resolve("ro.safetensors");
        SafetensorsWriter.write(file, Map.of("w", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)));
        byte[] before = Files.readAllBytes(file);
        Tensor mapped;
        Tensor copy;
        int ownedBefore = scope.ownedCount();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            mapped = f.tensor("w");
            copy = f.tensorCopy("w");
            assertThat(mapped.storage().segment().address()).isEqualTo(f.bytes("w").address());
            assertThat(f.bytes("w").isReadOnly()).isTrue();
            assertThat(f.bytes("w").get(ValueLayout.JAVA_FLOAT_UNALIGNED, 12)).isEqualTo(4f);
            assertThatThrownBy(() -> mapped.set(9, 0, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("read-only");
            assertThat(scope.ownedCount()).isEqualTo(ownedBefore + 1); // the copy only; the mapping is not scope-owned
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        assertThatThrownBy(() -> mapped.getFloat(0, 0)).isInstanceOf(IllegalStateException.class);
        assertThat(copy.toFloatArray()).containsExactly(1, 2, 3, 4);
    }

    @Test
    void closedFileAndMissingTensorsAreReportedWithFileAndName() {
        Path file = dir.resolve("one.safetensors");
        SafetensorsWriter.write(file, Map.of("w", Tensor.of(new float[] {1}, 1)));
        SafetensorsFile f = SafetensorsFile.open(file);
        assertThatThrownBy(() -> f.info("nope")).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("'nope'");
        f.close();
        f.close();
        assertThatThrownBy(() -> f.tensor("w")).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("closed");
    }

    @Test
    void emptyFileWithoutTensorsRoundTrips() {
        Path file = dir.resolve("none.safetensors");
        SafetensorsWriter.write(file, Map.of(), Map.of("k", "v"));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.names()).isEmpty();
            assertThat(f.metadata()).containsExactlyEntriesOf(Map.of("k", "v"));
        }
    }

    @Test
    void writerReplacesAFileWhileOldMappingsKeepTheOldData() {
        Path file = dir.resolve("replace.safetensors");
        SafetensorsWriter.write(file, Map.of("w", Tensor.of(new float[] {1, 2}, 2)));
        try (SafetensorsFile old = SafetensorsFile.open(file)) {
            Tensor oldTensor = old.tensor("w");
            SafetensorsWriter.write(file, Map.of("w", Tensor.of(new float[] {5, 6, 7}, 3)));
            assertThat(oldTensor.toFloatArray()).containsExactly(1, 2);
            try (SafetensorsFile fresh = SafetensorsFile.open(file)) {
                assertThat(fresh.tensor("w").toFloatArray()).containsExactly(5, 6, 7);
            }
        }
        assertThat(dir.toFile().list()).containsExactly("replace.safetensors");
    }

    @Test
    void namesFollowDataOrderAndInfoGivesAbsoluteOffsets() {
        Path file = dir.resolve("order.safetensors");
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("b", Tensor.of(new float[] {1, 2}, 2));
        m.put("a", Tensor.of(new float[] {3}, 1));
        SafetensorsWriter.write(file, m);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.names()).isEqualTo(List.of("b", "a"));
            assertThat(f.info("a").byteOffset()).isEqualTo(f.info("b").byteOffset() + 8);
            assertThat(f.info("b").byteOffset() % 8).isZero();
        }
    }
}
