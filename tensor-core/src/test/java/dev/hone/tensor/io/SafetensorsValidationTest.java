package dev.hone.tensor.io;

import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every malformed input is refused by {@link SafetensorsFile#open} with a {@link SafetensorsException}
 * that names the file (and the tensor, where one is at fault), before any data is touched: truncation
 * at every byte, corrupt header lengths, broken JSON, unknown and unsupported dtypes, bad shapes,
 * offsets past the end, overlapping, gapped or mis-sized data, duplicate names. A seeded fuzz of random
 * byte flips shows no other exception type ever escapes and accepted files read within bounds.
 */
class SafetensorsValidationTest {
    @TempDir Path dir;

    private static final String FUZZ_CHARS = "0123456789[]{},:\" -.e";
    private static final String F32_2X2 = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";

    private Path file(String name, byte[] bytes) { return RawFiles.write(dir.resolve(name), bytes); }

    private void assertRejected(byte[] bytes, String tensor, String... fragments) {
        Path f = file("bad.safetensors", bytes);
        var thrown = assertThatThrownBy(() -> SafetensorsFile.open(f).close())
                .isInstanceOf(SafetensorsException.class)
                .hasMessageStartingWith(f.toString());
        if (tensor != null) thrown.hasMessageContaining("tensor '" + tensor + "'");
        for (String s : fragments) thrown.hasMessageContaining(s);
    }

    private void assertHeaderRejected(String json, int dataBytes, String tensor, String... fragments) {
        assertRejected(RawFiles.file(json, dataBytes), tensor, fragments);
    }

    @Test
    void aWellFormedMinimalFileOpens() {
        Path f = file("ok.safetensors", RawFiles.file(F32_2X2, 16));
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertThat(sf.names()).containsExactly("w");
            assertThat(sf.info("w").byteOffset()).isEqualTo(8 + F32_2X2.length());
        }
    }

    @Test
    void truncationAtEveryByteIsRejected() {
        byte[] valid = RawFiles.file(F32_2X2, 16);
        for (int cut = 0; cut < valid.length; cut++) {
            Path f = file("cut" + cut + ".safetensors", Arrays.copyOf(valid, cut));
            assertThatThrownBy(() -> SafetensorsFile.open(f).close()).as("cut at %d", cut)
                    .isInstanceOf(SafetensorsException.class).hasMessageStartingWith(f.toString());
        }
        assertRejected(new byte[0], null, "shorter than the 8-byte header length");
        assertRejected(new byte[7], null, "shorter than the 8-byte header length");
    }

    @Test
    void corruptHeaderLengthsAreRejected() {
        byte[] rest = Arrays.copyOfRange(RawFiles.file(F32_2X2, 16), 8, 8 + F32_2X2.length() + 16);
        assertRejected(RawFiles.withLength(Long.MIN_VALUE, rest), null, "header length 9223372036854775808 exceeds");
        assertRejected(RawFiles.withLength(-1L, rest), null, "header length 18446744073709551615 exceeds");
        assertRejected(RawFiles.withLength(100_000_001L, rest), null, "exceeds the limit of 100000000 bytes");
        assertRejected(RawFiles.withLength(rest.length + 1, rest), null, "runs past the end of the file");
        assertRejected(RawFiles.withLength(F32_2X2.length() - 1, rest), null, "not valid JSON");
        assertRejected(RawFiles.withLength(F32_2X2.length() + 1, rest), null, "not valid JSON");
    }

    @Test
    void headersThatAreNotAJsonObjectAreRejected() {
        byte[] notUtf8 = RawFiles.withLength(4, new byte[] {'{', '"', (byte) 0xff, '}'});
        assertRejected(notUtf8, null, "not valid UTF-8");
        assertHeaderRejected("[1,2]", 0, null, "must be a JSON object, found array");
        assertHeaderRejected("{\"w\":1} x", 0, null, "not valid JSON", "after the JSON value");
        assertHeaderRejected("{\"w\":", 0, null, "not valid JSON");
        assertHeaderRejected("[".repeat(10_000), 0, null, "nesting deeper than 64");
        assertHeaderRejected("{\"__metadata__\":{\"k\":1}}", 0, null, "__metadata__ value of 'k' must be a string");
        assertHeaderRejected("{\"__metadata__\":[]}", 0, null, "__metadata__ must be an object");
        assertHeaderRejected("{\"\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", 4, null, "empty name");
    }

    @Test
    void duplicateNamesAreRejected() {
        String json = "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}";
        assertHeaderRejected(json, 2, null, "duplicate key 'w'");
    }

    @Test
    void dtypesOutsideHonesSetAreRejectedWithTheReason() {
        assertHeaderRejected("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2, "w",
                "dtype F8_E4M3 is a safetensors dtype Hone does not support", "supported: F32");
        assertHeaderRejected("{\"w\":{\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[0,2]}}", 2, "w", "does not support");
        assertHeaderRejected("{\"w\":{\"dtype\":\"float32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "w", "unknown dtype 'float32'");
        assertHeaderRejected("{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "w", "dtype must be a string");
    }

    @Test
    void badShapesAndEntriesAreRejected() {
        assertHeaderRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "w", "shape dimension 0 must be a non-negative integer");
        assertHeaderRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", 4, "w", "non-negative integer, found number 1.0");
        assertHeaderRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1e0],\"data_offsets\":[0,4]}}", 4, "w", "non-negative integer");
        assertHeaderRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}", 4, "w", "found string");
        assertHeaderRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483648],\"data_offsets\":[0,4]}}", 4, "w", "exceeds 2147483647");
        assertHeaderRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,4]}}", 4, "w",
                "overflows a 64-bit byte count");
        assertHeaderRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "w", "missing 'data_offsets'");
        assertHeaderRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":0}}", 4, "w", "unexpected key 'extra'");
        assertHeaderRejected("{\"w\":[]}", 0, "w", "entry must be an object");
        assertHeaderRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4, "w", "data_offsets must be an array [begin, end]");
    }

    @Test
    void offsetsOutsideTheDataOrInconsistentWithTheShapeAreRejected() {
        assertHeaderRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,20]}}", 16, "w", "run past the end of the file",
                "holds 16 bytes");
        assertHeaderRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[18446744073709551612,18446744073709551616]}}", 16, "w",
                "does not fit in 63 bits");
        assertHeaderRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[9223372036854775800,9223372036854775804]}}", 16, "w",
                "run past the end of the file");
        assertHeaderRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 16, "w", "end before begin");
        assertHeaderRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", 12, "w",
                "hold 12 bytes but shape [2, 2] of F32 needs 16");
        assertHeaderRejected("{\"w\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 16, "w", "needs 8");
    }

    @Test
    void overlapsGapsAndTrailingBytesAreRejected() {
        String overlap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertHeaderRejected(overlap, 12, "b", "overlap tensor 'a' which ends at 8");
        String same = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        assertHeaderRejected(same, 8, null, "overlap");
        String gap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        assertHeaderRejected(gap, 12, "b", "gap of 4 bytes after tensor 'a'");
        assertHeaderRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "w", "gap of 4 bytes after the header");
        assertHeaderRejected(F32_2X2, 17, null, "1 unaccounted trailing bytes");
        assertHeaderRejected("{}", 3, null, "tensors cover 0 bytes of a data section of 3");
    }

    @Test
    void randomByteFlipsNeverEscapeAsAnotherExceptionOrReadOutOfBounds() throws IOException {
        Map<String, String> meta = Map.of("k", "v");
        Path valid = dir.resolve("valid.safetensors");
        try (ReferenceBackend backend = new ReferenceBackend(); Scope _ = Scope.open(backend)) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("a", Tensor.of(new float[] {1, 2, 3}, 3));
            tensors.put("b", Tensor.ofLongs(new long[] {4, 5}, 2, 1));
            tensors.put("c", Tensor.of(dev.hone.tensor.DType.U8, new double[] {6, 7, 8}, 3));
            SafetensorsWriter.write(valid, tensors, meta);
        }
        byte[] original = Files.readAllBytes(valid);
        Random random = new Random(20261122);
        int accepted = 0;
        for (int trial = 0; trial < 400; trial++) {
            byte[] bytes = original.clone();
            int flips = 1 + random.nextInt(3);
            for (int i = 0; i < flips; i++) {
                int at = random.nextInt(Math.min(bytes.length, 8 + 120));
                bytes[at] = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : (byte) FUZZ_CHARS.charAt(random.nextInt(FUZZ_CHARS.length()));
            }
            Path f = file("fuzz.safetensors", bytes);
            try (SafetensorsFile sf = SafetensorsFile.open(f)) {
                accepted++;
                long total = 0;
                for (String name : sf.names()) {
                    MemorySegment seg = sf.bytes(name);
                    total += seg.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE).length;
                    assertThat(sf.info(name).byteOffset() + seg.byteSize()).isLessThanOrEqualTo(bytes.length);
                }
                assertThat(total).isLessThanOrEqualTo(bytes.length);
            } catch (SafetensorsException e) {
                assertThat(e.getMessage()).startsWith(f.toString());
            } catch (RuntimeException e) {
                fail("trial " + trial + ": " + new String(bytes, StandardCharsets.ISO_8859_1) + " escaped as " + e, e);
            }
        }
        assertThat(accepted).as("some flips (e.g. inside metadata text) leave a valid file").isPositive();
    }
}
