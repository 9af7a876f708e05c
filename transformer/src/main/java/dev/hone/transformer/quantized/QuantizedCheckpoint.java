package dev.hone.transformer.quantized;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hone.autograd.nn.Linear;
import dev.hone.autograd.nn.Module;
import dev.hone.autograd.nn.Parameter;
import dev.hone.lora.LoraLinear;
import dev.hone.quant.Absmax;
import dev.hone.quant.AbsmaxEncoding;
import dev.hone.quant.BnbQuantizationConfig;
import dev.hone.quant.BnbSafetensors;
import dev.hone.quant.QuantizedTensor;
import dev.hone.quant.nn.CodeBookTensors;
import dev.hone.quant.nn.ModelQuantizer;
import dev.hone.quant.nn.QuantizedLinear;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.io.SafetensorsFile;
import dev.hone.tensor.io.TensorInfo;
import dev.hone.transformer.checkpoint.CheckpointException;
import dev.hone.transformer.checkpoint.HfConfigJson;
import dev.hone.transformer.model.LlamaConfig;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.LlamaWeights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A quantized Llama model as a Hugging Face folder in bitsandbytes' packed layout, the files
 * transformers writes for a {@code load_in_4bit} model ({@code save_pretrained}) and reads back:
 * <ul>
 *   <li>{@code model.safetensors}: for every quantized projection P = "model.layers.{i}....weight" the
 *       entries P (U8 packed codes), P.absmax, P.quant_map, P.nested_absmax, P.nested_quant_map (double
 *       quantization) and P.quant_state.bitsandbytes__nf4 (or __fp4: UTF-8 JSON), see
 *       {@link dev.hone.quant.BnbCheckpoint}; every other parameter (embeddings, norms, biases, a dense
 *       lm_head) as a plain tensor in the model dtype; metadata {"format": "pt"};</li>
 *   <li>{@code config.json}: {@link HfConfigJson} plus a {@code quantization_config} object
 *       ({@link BnbQuantizationConfig}, quant_method "bitsandbytes"; dense linears listed in
 *       llm_int8_skip_modules).</li>
 * </ul>
 * Loading rebuilds exactly the saved model: the quantized weights come back byte for byte (codes,
 * absmax, nested statistics), so logits are bit-identical. Errors are {@link CheckpointException}s that
 * name the file and the tensor (a corrupt quant_state, a packed weight whose size disagrees with it, a
 * quant_state shape that does not fit the config, a format other than the config's). Only rotate-half
 * (Hugging Face RoPE) models can be saved; convert llama2.c checkpoints with
 * {@link dev.hone.transformer.checkpoint.Llama2cToHf} before quantizing them.
 */
public final class QuantizedCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUANT_STATE = ".quant_state.bitsandbytes__";

    private QuantizedCheckpoint() { }

    /**
     * Writes {@code model} (projections already quantized, no LoRA wrappers) into {@code folder} (created
     * if needed; model.safetensors and config.json are replaced). Staging tensors use the current scope.
     */
    public static void save(LlamaModel model, Path folder) {
        Map<String, QuantizedTensor> quantized = ModelQuantizer.quantizedWeights(model);
        if (quantized.isEmpty()) throw new CheckpointException(folder, "save: the model has no quantized layer (quantize it first)");
        List<String> dense = new ArrayList<>();
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            if (e.getValue() instanceof LoraLinear) {
                throw new CheckpointException(folder, "save: module '" + e.getKey() + "' is a LoRA wrapper; save the adapter with "
                        + "LoraModel.saveAdapter and the base model without it");
            }
            if (e.getValue() instanceof Linear) dense.add(e.getKey());
        }
        QuantizedTensor first = quantized.values().iterator().next();
        for (Map.Entry<String, QuantizedTensor> q : quantized.entrySet()) {
            if (q.getValue().format() != first.format() || encoding(q.getValue()) != encoding(first)) {
                throw new CheckpointException(folder, "save: tensor '" + q.getKey() + "' is " + q.getValue().format() + "/" + encoding(q.getValue())
                        + " but others are " + first.format() + "/" + encoding(first) + " (one quantization_config covers them all)");
            }
        }
        BnbQuantizationConfig quantConfig = new BnbQuantizationConfig(first.format(), encoding(first), model.dtype(), dense);
        Map<String, Tensor> plain = new LinkedHashMap<>(model.stateDict());
        try {
            Files.createDirectories(folder);
            BnbSafetensors.write(folder.resolve("model.safetensors"), quantized, plain, Map.of("format", "pt"));
            ObjectNode config = HfConfigJson.toJson(model.config(), torchName(model.dtype()));
            config.set("quantization_config", JSON.readTree(quantConfig.toJson()));
            JSON.writerWithDefaultPrettyPrinter().writeValue(folder.resolve("config.json").toFile(), config);
        } catch (IOException e) {
            throw new CheckpointException(folder, "save failed: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a folder written by {@link #save} (or by transformers for a bnb 4-bit Llama) into a model of
     * {@code dtype} in the current scope: dense tensors copied (and cast), quantized projections as
     * frozen {@link QuantizedLinear} layers sharing one set of code books. The file is closed on return.
     */
    public static LlamaModel load(Path folder, DType dtype) {
        Path configFile = folder.resolve("config.json");
        LlamaConfig config = HfConfigJson.read(configFile);
        BnbQuantizationConfig quantConfig = quantizationConfig(configFile);
        Path weightsFile = folder.resolve("model.safetensors");
        if (!Files.isRegularFile(weightsFile)) throw new CheckpointException(folder, "model.safetensors not found");
        try (SafetensorsFile file = SafetensorsFile.open(weightsFile)) {
            Set<String> quantizedNames = quantizedNames(file);
            LlamaModel model = new LlamaModel(config, new StoredWeights(weightsFile, file, quantizedNames, dtype));
            CodeBookTensors books = new CodeBookTensors();
            for (String name : quantizedNames) replaceWithQuantized(model, file, name, quantConfig, books);
            return model;
        }
    }

    private static void replaceWithQuantized(LlamaModel model, SafetensorsFile file, String name, BnbQuantizationConfig quantConfig,
                                             CodeBookTensors books) {
        Path path = file.path();
        String modulePath = name.substring(0, name.length() - ".weight".length());
        if (!(model.namedModules().get(modulePath) instanceof Linear standIn)) {
            throw new CheckpointException(path, "quantized tensor '" + name + "' is not the weight of a linear layer of this "
                    + model.config().architecture() + " model");
        }
        QuantizedTensor q;
        try {
            q = BnbSafetensors.read(file, name);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage().startsWith(path + ": ") ? e.getMessage().substring(path.toString().length() + 2) : e.getMessage();
            throw new CheckpointException(path, message, e);
        }
        Shape expected = standIn.weight().value().shape();
        if (!q.shape().equals(expected)) {
            throw new CheckpointException(path, "quantized tensor '" + name + "': quant_state shape " + q.shape()
                    + ", the config implies " + expected);
        }
        if (q.format() != quantConfig.format() || encoding(q) != quantConfig.absmaxEncoding()) {
            throw new CheckpointException(path, "quantized tensor '" + name + "' is " + q.format() + "/" + encoding(q)
                    + " but config.json's quantization_config says " + quantConfig.format() + "/" + quantConfig.absmaxEncoding());
        }
        Tensor bias = standIn.bias() == null ? null : standIn.bias().value();
        model.replace(modulePath, new QuantizedLinear(q, bias, Parameter.Trainability.FROZEN, books));
    }

    private static BnbQuantizationConfig quantizationConfig(Path configFile) {
        try {
            var node = JSON.readTree(configFile.toFile()).get("quantization_config");
            if (node == null || !node.isObject()) {
                throw new CheckpointException(configFile, "no 'quantization_config' object: not a bitsandbytes-quantized model "
                        + "(load it with HfCheckpoint, or quantize on load with QuantizedLlama.loadHf)");
            }
            return BnbQuantizationConfig.fromJson(JSON.writeValueAsString(node));
        } catch (IOException e) {
            throw new CheckpointException(configFile, "cannot parse config.json: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configFile, e.getMessage(), e);
        }
    }

    /** Parameters stored in bnb's 4-bit layout: the prefixes of the quant_state entries, in file order. */
    private static Set<String> quantizedNames(SafetensorsFile file) {
        Set<String> names = new LinkedHashSet<>();
        for (String key : file.names()) {
            int at = key.indexOf(QUANT_STATE);
            if (at > 0) names.add(key.substring(0, at));
        }
        return names;
    }

    private static AbsmaxEncoding encoding(QuantizedTensor q) {
        return q.absmax() instanceof Absmax.DoubleQuantized ? AbsmaxEncoding.DOUBLE_QUANT : AbsmaxEncoding.FLOAT32;
    }

    private static String torchName(DType dtype) {
        return switch (dtype) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            default -> throw new IllegalArgumentException("QuantizedCheckpoint: model dtype " + dtype + " (F32 or BF16)");
        };
    }

    /**
     * Dense tensors copied from the file in the model dtype. A quantized projection gets a one-element
     * zero broadcast to its shape, a stand-in that only carries the shape (and keeps the bias) until
     * {@link #replaceWithQuantized} swaps the layer; it never computes anything.
     */
    private record StoredWeights(Path path, SafetensorsFile file, Set<String> quantized, DType dtype) implements LlamaWeights {
        @Override
        public Tensor tensor(String name, Shape shape) {
            if (quantized.contains(name)) return Tensor.zeros(dtype, 1, 1).expand(shape);
            if (!file.contains(name)) throw new CheckpointException(path, "tensor '" + name + "' is missing (expected " + shape + ")");
            TensorInfo t = file.info(name);
            if (!t.shape().equals(shape)) {
                throw new CheckpointException(path, "tensor '" + name + "' has shape " + t.shape() + ", the config implies " + shape);
            }
            if (t.dtype() != DType.F32 && t.dtype() != DType.BF16 && t.dtype() != DType.F16) {
                throw new CheckpointException(path, "tensor '" + name + "' has dtype " + t.dtype() + "; expected F32, BF16 or F16");
            }
            return t.dtype() == dtype ? file.tensorCopy(name) : Ops.cast(file.tensor(name), dtype);
        }

        @Override
        public Parameter.Trainability trainability() { return Parameter.Trainability.TRAINABLE; }
    }
}
