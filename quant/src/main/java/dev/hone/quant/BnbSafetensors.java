package dev.hone.quant;

import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.io.SafetensorsFile;
import dev.hone.tensor.io.SafetensorsWriter;
import dev.hone.tensor.io.TensorInfo;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes bitsandbytes-quantized parameters in safetensors files, through
 * {@link BnbCheckpoint}'s entry layout; a file written here loads in bnb / transformers and the
 * reverse. Plain (unquantized) tensors travel alongside unchanged. Writing needs an open
 * {@link Scope} on a CPU backend (the entries become host tensors for the writer).
 */
public final class BnbSafetensors {
    private BnbSafetensors() { }

    /** Parameter {@code name} of {@code file}, read from its bnb entries (errors name the file and parameter). */
    public static QuantizedTensor read(SafetensorsFile file, String name) {
        Map<String, StoredTensor> entries = new LinkedHashMap<>();
        String module = name.endsWith("weight") ? name.substring(0, name.length() - "weight".length()) : null;
        for (String key : file.names()) {
            boolean mine = key.equals(name) || key.startsWith(name + ".")
                    || (module != null && (key.equals(module + "SCB") || key.equals(module + "weight_format")));
            if (mine) entries.put(key, stored(file, key));
        }
        try {
            return BnbCheckpoint.fromStateDict(name, entries);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file.path() + ": " + e.getMessage(), e);
        }
    }

    /** True when {@code file} holds {@code name} in a bnb-quantized layout. */
    public static boolean isQuantized(SafetensorsFile file, String name) {
        return BnbCheckpoint.isQuantized(name, java.util.Set.copyOf(file.names()));
    }

    /** Writes the quantized parameters (bnb layout) and the plain tensors to {@code path}. */
    public static void write(Path path, Map<String, QuantizedTensor> quantized, Map<String, Tensor> plain, Map<String, String> metadata) {
        try (Scope _ = Scope.open()) {
            Map<String, Tensor> all = new LinkedHashMap<>(plain);
            for (Map.Entry<String, QuantizedTensor> q : quantized.entrySet()) {
                for (Map.Entry<String, StoredTensor> e : BnbCheckpoint.toStateDict(q.getKey(), q.getValue()).entrySet()) {
                    if (all.put(e.getKey(), tensorOf(e.getValue())) != null) {
                        throw new IllegalArgumentException("BnbSafetensors.write " + path + ": two tensors named '" + e.getKey() + "'");
                    }
                }
            }
            SafetensorsWriter.write(path, all, metadata);
        }
    }

    private static Tensor tensorOf(StoredTensor s) { return Tensor.ofRawBytes(s.dtype(), s.bytes(), s.shape().dims()); }

    private static StoredTensor stored(SafetensorsFile file, String key) {
        TensorInfo info = file.info(key);
        return new StoredTensor(info.dtype(), info.shape(), file.bytes(key).toArray(ValueLayout.JAVA_BYTE));
    }
}
