package dev.hone.tensor.io;

import dev.hone.tensor.Tensor;
import dev.hone.tensor.io.JsonValue.JsonNumber;
import dev.hone.tensor.io.JsonValue.JsonObject;
import dev.hone.tensor.io.JsonValue.JsonString;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A checkpoint split over several safetensors files, as Hugging Face saves large models: an index
 * {@code model.safetensors.index.json} of the form {@code {"metadata": {...}, "weight_map": {tensor:
 * shard file name}}} next to the shards. {@link #open} maps every shard once and checks that the index
 * and the shards agree exactly: each listed tensor is in the shard the index names, and each shard holds
 * only the tensors the index assigns to it. Shard names must stay inside the index's directory.
 *
 * <p>Tensors from {@link #tensor} are zero-copy views that die with {@link #close()}, as for
 * {@link SafetensorsFile}; {@link #tensorCopy} gives scope-owned copies.
 */
public final class ShardedSafetensors implements AutoCloseable {
    /** Index files are small; this bounds what {@link #open} reads into memory. */
    private static final long MAX_INDEX_BYTES = 100_000_000L;

    private final Path indexFile;
    private final Map<String, SafetensorsFile> shardOf;
    private final List<SafetensorsFile> shards;
    private final Map<String, String> metadata;

    private ShardedSafetensors(Path indexFile, Map<String, SafetensorsFile> shardOf, List<SafetensorsFile> shards, Map<String, String> metadata) {
        this.indexFile = indexFile;
        this.shardOf = shardOf;
        this.shards = shards;
        this.metadata = metadata;
    }

    /** Reads the index, opens every shard and cross-checks them; throws {@link SafetensorsException} naming the file. */
    public static ShardedSafetensors open(Path indexFile) {
        JsonObject root = readIndex(indexFile);
        Map<String, String> metadata = Map.of();
        Map<String, String> weightMap = null;
        for (Map.Entry<String, JsonValue> m : root.members().entrySet()) {
            switch (m.getKey()) {
                case "metadata" -> metadata = stringMap(indexFile, "metadata", m.getValue(), true);
                case "weight_map" -> weightMap = stringMap(indexFile, "weight_map", m.getValue(), false);
                default -> throw SafetensorsException.ofFile(indexFile, "unexpected key '" + m.getKey() + "' (expected metadata, weight_map)");
            }
        }
        if (weightMap == null) throw SafetensorsException.ofFile(indexFile, "missing 'weight_map'");
        Path dir = indexFile.toAbsolutePath().getParent();
        Map<String, SafetensorsFile> byFileName = new LinkedHashMap<>();
        try {
            Map<String, SafetensorsFile> shardOf = new LinkedHashMap<>();
            for (Map.Entry<String, String> w : weightMap.entrySet()) {
                SafetensorsFile shard = byFileName.get(w.getValue());
                if (shard == null) {
                    shard = openShard(indexFile, w.getKey(), shardPath(indexFile, dir, w.getKey(), w.getValue()));
                    byFileName.put(w.getValue(), shard);
                }
                if (!shard.contains(w.getKey())) {
                    throw new SafetensorsException(indexFile, w.getKey(), "weight_map places it in " + w.getValue() + ", which does not hold it");
                }
                shardOf.put(w.getKey(), shard);
            }
            for (SafetensorsFile shard : byFileName.values()) {
                for (String name : shard.names()) {
                    if (shardOf.get(name) != shard) {
                        throw new SafetensorsException(indexFile, name, "shard " + shard.path().getFileName() + " holds it but weight_map "
                                + (shardOf.containsKey(name) ? "places it in " + weightMap.get(name) : "does not list it"));
                    }
                }
            }
            return new ShardedSafetensors(indexFile, Collections.unmodifiableMap(shardOf), List.copyOf(byFileName.values()), metadata);
        } catch (RuntimeException | Error e) {
            for (SafetensorsFile shard : byFileName.values()) shard.close();
            throw e;
        }
    }

    private static JsonObject readIndex(Path indexFile) {
        JsonValue root;
        try {
            long size = Files.size(indexFile);
            if (size > MAX_INDEX_BYTES) throw SafetensorsException.ofFile(indexFile, "index of " + size + " bytes exceeds " + MAX_INDEX_BYTES);
            root = JsonParser.parse(JsonParser.decodeUtf8(Files.readAllBytes(indexFile)));
        } catch (IOException e) {
            throw new SafetensorsException(indexFile, null, "cannot read index: " + e, e);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(indexFile, null, "index is not valid JSON: " + e.getMessage(), e);
        }
        if (!(root instanceof JsonObject o)) throw SafetensorsException.ofFile(indexFile, "index must be a JSON object, found " + root.kind());
        return o;
    }

    /** An object of strings (numbers too, as their literal text, when {@code numbersAllowed}: "total_size"). */
    private static Map<String, String> stringMap(Path indexFile, String what, JsonValue v, boolean numbersAllowed) {
        if (!(v instanceof JsonObject o)) throw SafetensorsException.ofFile(indexFile, what + " must be an object, found " + v.kind());
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonValue> m : o.members().entrySet()) {
            switch (m.getValue()) {
                case JsonString s -> out.put(m.getKey(), s.value());
                case JsonNumber n when numbersAllowed -> out.put(m.getKey(), n.literal());
                default -> throw SafetensorsException.ofFile(indexFile, what + " value of '" + m.getKey() + "' must be a string, found "
                        + m.getValue().kind());
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** Opens one shard; its failure is reported against the index and the tensor that led to it. */
    private static SafetensorsFile openShard(Path indexFile, String tensor, Path shard) {
        try {
            return SafetensorsFile.open(shard);
        } catch (SafetensorsException e) {
            throw new SafetensorsException(indexFile, tensor, "its shard cannot be opened: " + e.getMessage(), e);
        }
    }

    private static Path shardPath(Path indexFile, Path dir, String tensor, String fileName) {
        Path p;
        try {
            p = dir.resolve(fileName).normalize();
        } catch (RuntimeException e) {
            throw new SafetensorsException(indexFile, tensor, "shard name '" + fileName + "' is not a valid path", e);
        }
        if (fileName.isEmpty() || !Objects.equals(p.getParent(), dir.normalize())) {
            throw new SafetensorsException(indexFile, tensor, "shard name '" + fileName + "' must be a file name inside " + dir);
        }
        return p;
    }

    public Path indexFile() { return indexFile; }

    /** Tensor names in weight_map order. */
    public List<String> names() { return List.copyOf(shardOf.keySet()); }

    public boolean contains(String name) { return shardOf.containsKey(name); }

    /** The index's {@code metadata} entries (numbers as their literal text). */
    public Map<String, String> metadata() { return metadata; }

    /** The opened shards, in the order the weight_map first names them. */
    public List<SafetensorsFile> shards() { return shards; }

    /** The shard holding {@code name}; throws naming the index and tensor if absent. */
    public SafetensorsFile shardOf(String name) {
        SafetensorsFile f = shardOf.get(name);
        if (f == null) throw new SafetensorsException(indexFile, name, "no such tensor (the index lists " + shardOf.size() + ")");
        return f;
    }

    public TensorInfo info(String name) { return shardOf(name).info(name); }

    /** Zero-copy CPU tensor over its shard's mapping; dies with {@link #close()}. */
    public Tensor tensor(String name) { return shardOf(name).tensor(name); }

    /** A copy owned by the current scope; survives {@link #close()}. */
    public Tensor tensorCopy(String name) { return shardOf(name).tensorCopy(name); }

    /** Unmaps every shard. Idempotent. */
    @Override
    public void close() {
        RuntimeException first = null;
        for (SafetensorsFile shard : shards) {
            try {
                shard.close();
            } catch (RuntimeException e) {
                if (first == null) first = e; else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
