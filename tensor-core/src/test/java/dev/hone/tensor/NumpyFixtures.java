package dev.hone.tensor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads tensors written by {@code src/test/resources/fixtures/generate_ops_cases.py}: one per line,
 * {@code name dtype rank dims... values...}. Tensors are created in the current scope.
 */
final class NumpyFixtures {
    private record Entry(DType dtype, int[] dims, double[] values) { }

    private final Map<String, Entry> entries = new HashMap<>();

    NumpyFixtures(String resource) {
        try (InputStream in = NumpyFixtures.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("fixture " + resource + " not on the test class path");
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.trim().split(" ");
                int rank = Integer.parseInt(f[2]);
                int[] dims = new int[rank];
                for (int i = 0; i < rank; i++) dims[i] = Integer.parseInt(f[3 + i]);
                double[] values = Arrays.stream(f, 3 + rank, f.length).mapToDouble(Double::parseDouble).toArray();
                entries.put(f[0], new Entry(DType.fromSafetensorsName(f[1]), dims, values));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading fixture " + resource, e);
        }
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new IllegalArgumentException("no fixture tensor '" + name + "'");
        return e;
    }

    /** The named tensor in its fixture dtype. */
    Tensor tensor(String name) { return tensor(name, entry(name).dtype()); }

    /** The named tensor converted to {@code dtype}. */
    Tensor tensor(String name, DType dtype) {
        Entry e = entry(name);
        return Tensor.of(dtype, e.values(), e.dims());
    }

    double[] values(String name) { return entry(name).values().clone(); }

    Shape shape(String name) { return Shape.of(entry(name).dims()); }
}
