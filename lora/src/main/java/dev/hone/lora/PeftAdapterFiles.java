package dev.hone.lora;

import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.io.SafetensorsFile;
import dev.hone.tensor.io.SafetensorsWriter;
import dev.hone.tensor.io.TensorInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hugging Face PEFT adapter directories: {@value #CONFIG_FILE} ({@link AdapterConfigJson}) and
 * {@value #WEIGHTS_FILE} with PEFT's keys (peft/utils/save_and_load.py {@code get_peft_model_state_dict}):
 * "base_model.model." + module path + ".lora_A.weight" [r, in], ".lora_B.weight" [out, r], DoRA's
 * ".lora_magnitude_vector" [out] (PEFT drops the in-memory ".weight" suffix of the magnitude), the
 * adapter name removed; plus base biases per {@code bias} and the parameters of modules_to_save under
 * "base_model.model." + their path. Metadata {"format": "pt"}.
 *
 * <p>Writing: the adapter's tensor map must not be empty. The config goes to a temporary file first, the
 * weights are written atomically (temporary file, then rename; {@link SafetensorsWriter}), then the
 * config is renamed into place: a failed write leaves the previous adapter's files as they were.
 *
 * <p>Loading checks the whole adapter against the model before changing anything and reports every
 * mismatch at once ({@link AdapterMismatchException}).
 */
public final class PeftAdapterFiles {
    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** The prefix PEFT's PeftModelForCausalLM puts before every module path. */
    public static final String PREFIX = "base_model.model.";

    private PeftAdapterFiles() { }

    /** The tensors PEFT would save for {@code adapter}, by file key, in model order (the tensors themselves). */
    public static Map<String, Tensor> adapterTensors(LoraModel lm, String adapter) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Map<String, LoraLinear> layers = lm.layers();
        List<String> targets = lm.targets(adapter);
        for (String path : targets) {
            LoraLinear l = layers.get(path);
            out.put(PREFIX + path + ".lora_A.weight", l.loraA(adapter).value());
            out.put(PREFIX + path + ".lora_B.weight", l.loraB(adapter).value());
            Parameter m = l.magnitude(adapter);
            if (m != null) out.put(PREFIX + path + ".lora_magnitude_vector", m.value());
        }
        lm.extraSavedParameters(lm.config(adapter), targets).forEach((path, p) -> out.put(PREFIX + path, p.value()));
        return out;
    }

    /** Writes {@code adapter} of {@code lm} to directory {@code dir} (created if absent). */
    public static void save(LoraModel lm, String adapter, Path dir) {
        Map<String, Tensor> tensors = adapterTensors(lm, adapter);
        if (tensors.isEmpty()) throw new IllegalStateException("PeftAdapterFiles.save: adapter '" + adapter + "' has no tensors; refusing to write " + dir);
        LoraConfig config = lm.config(adapter);
        List<String> leafNames = lm.targets(adapter).stream().map(p -> p.substring(p.lastIndexOf('.') + 1)).toList();
        String json = AdapterConfigJson.write(config, leafNames);
        Path configTemp = null;
        try {
            Files.createDirectories(dir);
            configTemp = dir.resolve("." + CONFIG_FILE + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            Files.writeString(configTemp, json, StandardCharsets.UTF_8);
            SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"));
            Files.move(configTemp, dir.resolve(CONFIG_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            configTemp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("PeftAdapterFiles.save: writing adapter '" + adapter + "' to " + dir + " failed; previous files left unchanged", e);
        } finally {
            if (configTemp != null) {
                try {
                    Files.deleteIfExists(configTemp);
                } catch (IOException ignored) {
                    // the original failure is what matters; a stray temporary file is harmless
                }
            }
        }
    }

    /** Reads {@code dir}'s adapter_config.json. */
    public static LoraConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG_FILE);
        try {
            return AdapterConfigJson.read(Files.readString(file, StandardCharsets.UTF_8), file);
        } catch (IOException e) {
            throw new UncheckedIOException("PeftAdapterFiles: cannot read " + file, e);
        }
    }

    /**
     * Loads the adapter in {@code dir} into {@code lm} as {@code name} (F32 weights; not activated). Checks,
     * before changing anything: the base model name (when both are known), that every target_modules entry
     * matches a linear layer, that every expected tensor is present with the right shape and a floating
     * dtype, and that the file holds nothing else. Base biases and modules_to_save are copied into the model.
     */
    public static void load(LoraModel lm, Path dir, String name, LoraModel.Use use) {
        LoraConfig config = readConfig(dir);
        List<String> problems = new ArrayList<>();
        if (config.baseModelNameOrPath() != null && lm.baseModelNameOrPath() != null && !config.baseModelNameOrPath().equals(lm.baseModelNameOrPath())) {
            problems.add("base model: the adapter was trained on '" + config.baseModelNameOrPath() + "', this model is '" + lm.baseModelNameOrPath() + "'");
        }
        LoraModel.TargetResolution targets = lm.findTargets(config);
        if (!targets.complete()) problems.add(lm.unmatchedMessage(config, targets));
        Map<String, Shape> expected = expectedShapes(lm, config, targets.found());
        Map<String, Tensor[]> weights = new LinkedHashMap<>();
        Map<String, Tensor> extras = new LinkedHashMap<>();
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve(WEIGHTS_FILE))) {
            Set<String> present = new HashSet<>(file.names());
            for (Map.Entry<String, Shape> e : expected.entrySet()) {
                if (!present.contains(e.getKey())) {
                    problems.add("missing tensor '" + e.getKey() + "' " + e.getValue());
                    continue;
                }
                TensorInfo info = file.info(e.getKey());
                if (!info.shape().equals(e.getValue())) {
                    problems.add("tensor '" + e.getKey() + "' is " + info.shape() + ", the model needs " + e.getValue());
                }
                if (!info.dtype().isFloating()) problems.add("tensor '" + e.getKey() + "' has dtype " + info.dtype() + ", not a floating type");
            }
            for (String key : file.names()) {
                if (!expected.containsKey(key)) problems.add("unexpected tensor '" + key + "' " + file.info(key).shape() + ": " + whyUnexpected(lm, key));
            }
            if (!problems.isEmpty()) throw new AdapterMismatchException(dir, problems);
            Map<String, Parameter> extraParams = lm.extraSavedParameters(config, targets.found());
            for (String path : targets.found()) {
                String k = PREFIX + path;
                Tensor a = Ops.cast(file.tensorCopy(k + ".lora_A.weight"), DType.F32);
                Tensor b = Ops.cast(file.tensorCopy(k + ".lora_B.weight"), DType.F32);
                Tensor m = config.variant() == LoraConfig.Variant.DORA ? Ops.cast(file.tensorCopy(k + ".lora_magnitude_vector"), DType.F32) : null;
                weights.put(path, new Tensor[] {a, b, m});
            }
            extraParams.forEach((path, p) -> extras.put(path, Ops.cast(file.tensorCopy(PREFIX + path), p.value().dtype())));
            extraParams.forEach((path, p) -> Ops.copyInto(extras.get(path), p.value()));
        }
        lm.addLoadedAdapter(name, config, use, weights);
    }

    /** Every tensor key the adapter of {@code config} must hold for this model, with its shape. */
    private static Map<String, Shape> expectedShapes(LoraModel lm, LoraConfig config, List<String> targets) {
        Map<String, Shape> out = new LinkedHashMap<>();
        for (String path : targets) {
            var layer = (dev.hone.autograd.nn.LinearLayer) lm.model().module(path);
            int r = config.rankFor(path);
            out.put(PREFIX + path + ".lora_A.weight", Shape.of(r, layer.inFeatures()));
            out.put(PREFIX + path + ".lora_B.weight", Shape.of(layer.outFeatures(), r));
            if (config.variant() == LoraConfig.Variant.DORA) out.put(PREFIX + path + ".lora_magnitude_vector", Shape.of(layer.outFeatures()));
        }
        lm.extraSavedParameters(config, targets).forEach((path, p) -> out.put(PREFIX + path, p.value().shape()));
        return out;
    }

    private static String whyUnexpected(LoraModel lm, String key) {
        if (!key.startsWith(PREFIX)) return "keys must start with '" + PREFIX + "'";
        String path = key.substring(PREFIX.length());
        for (String suffix : List.of(".lora_A.weight", ".lora_B.weight", ".lora_magnitude_vector")) {
            if (path.endsWith(suffix)) {
                String module = path.substring(0, path.length() - suffix.length());
                return lm.model().namedModules().containsKey(module) ? "module '" + module + "' is not among the config's target modules"
                        : "the model has no module '" + module + "'";
            }
        }
        return "not an adapter tensor for this config";
    }
}
