package dev.hone.quant;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the arrays that test resource reference/make_reference.py (numpy, written from bitsandbytes'
 * published algorithm) stored in reference.bin, indexed by reference.tsv, and the case list cases.tsv.
 */
final class ReferenceData {
    /** One reference case: a 4-bit format at one blocksize on one input, or the int8 matrix. */
    record Case(String name, String input, String format, int blocksize, int numel, int rows, int cols) {
        @Override
        public String toString() { return name; }
    }

    private final ByteBuffer blob;
    private final Map<String, long[]> index = new HashMap<>();
    private final List<Case> cases = new ArrayList<>();

    private ReferenceData() {
        blob = ByteBuffer.wrap(resource("reference.bin")).order(ByteOrder.LITTLE_ENDIAN);
        for (String line : text("reference.tsv").split("\n")) {
            String[] f = line.split("\t");
            index.put(f[0] + "/" + f[1], new long[] {Long.parseLong(f[3]), Long.parseLong(f[4])});
        }
        for (String line : text("cases.tsv").split("\n")) {
            String[] f = line.split("\t");
            cases.add(new Case(f[0], f[1], f[2], Integer.parseInt(f[3]), Integer.parseInt(f[4]), Integer.parseInt(f[5]), Integer.parseInt(f[6])));
        }
    }

    private static ReferenceData instance;

    static synchronized ReferenceData load() {
        if (instance == null) instance = new ReferenceData();
        return instance;
    }

    List<Case> cases() { return cases; }

    boolean has(String caseName, String field) { return index.containsKey(caseName + "/" + field); }

    float[] floats(String caseName, String field) {
        long[] at = at(caseName, field);
        float[] out = new float[(int) at[1]];
        for (int i = 0; i < out.length; i++) out[i] = blob.getFloat((int) at[0] + 4 * i);
        return out;
    }

    byte[] bytes(String caseName, String field) {
        long[] at = at(caseName, field);
        byte[] out = new byte[(int) at[1]];
        blob.get((int) at[0], out);
        return out;
    }

    private long[] at(String caseName, String field) {
        long[] at = index.get(caseName + "/" + field);
        if (at == null) throw new IllegalArgumentException("reference.tsv has no array " + caseName + "/" + field);
        return at;
    }

    static String text(String name) { return new String(resource(name), StandardCharsets.UTF_8); }

    static byte[] resource(String name) {
        try (InputStream in = ReferenceData.class.getResourceAsStream("/reference/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource reference/" + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
