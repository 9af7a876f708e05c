package dev.hone.transformer.checkpoint;

import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.io.SafetensorsFile;
import dev.hone.tensor.io.ShardedSafetensors;
import dev.hone.tensor.io.TensorInfo;
import dev.hone.transformer.model.LlamaConfig;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.LlamaWeights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Loads a Hugging Face model folder: {@code config.json} ({@link HfConfigJson}) and weights in
 * {@code model.safetensors} or sharded as {@code model.safetensors.index.json} + shards, each tensor
 * F32, BF16 or F16. Every tensor the model needs is checked for presence and shape before use; a missing
 * or misshapen tensor, or one of another dtype, is a {@link CheckpointException} naming the file and the
 * tensor. Tensors the model does not use (e.g. rotary inv_freq buffers, lm_head.weight of a tied model)
 * are ignored.
 *
 * <p>{@link Residence#MAPPED}: tensors already in the model dtype are zero-copy views of the memory-mapped
 * file, kept open until the model is closed; those parameters are frozen (the mapping is read-only), which
 * is what LoRA wants. {@link Residence#COPIED}: every tensor is copied into the current scope and trainable.
 * Tensors of another dtype are always cast into the current scope.
 */
public final class HfCheckpoint {
    private HfCheckpoint() { }

    /** Whether weights stay in the mapped file or are copied into memory the model owns. */
    public enum Residence { MAPPED, COPIED }

    public static LlamaModel load(Path folder, DType dtype, Residence residence) {
        LlamaConfig config = HfConfigJson.read(folder.resolve("config.json"));
        Path single = folder.resolve("model.safetensors"), index = folder.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(single)) {
            SafetensorsFile file = SafetensorsFile.open(single);
            return build(config, new FileWeights(single, file::contains, file::info, file::tensor, dtype, residence, file));
        }
        if (Files.isRegularFile(index)) {
            ShardedSafetensors shards = ShardedSafetensors.open(index);
            return build(config, new FileWeights(index, shards::contains, shards::info, shards::tensor, dtype, residence, shards));
        }
        throw new CheckpointException(folder, "neither model.safetensors nor model.safetensors.index.json found");
    }

    private static LlamaModel build(LlamaConfig config, FileWeights weights) {
        try {
            return new LlamaModel(config, weights);
        } catch (RuntimeException e) {
            try {
                weights.file.close();
            } catch (Exception closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** Weights read from one safetensors file or a sharded set. */
    private record FileWeights(Path path, Function<String, Boolean> contains, Function<String, TensorInfo> info,
                               Function<String, Tensor> mapped, DType dtype, Residence residence, AutoCloseable file)
            implements LlamaWeights {

        @Override
        public Tensor tensor(String name, Shape shape) {
            if (!contains.apply(name)) throw new CheckpointException(path, "tensor '" + name + "' is missing (expected " + shape + ")");
            TensorInfo t = info.apply(name);
            if (!t.shape().equals(shape)) {
                throw new CheckpointException(path, "tensor '" + name + "' has shape " + t.shape() + ", the config implies " + shape);
            }
            if (t.dtype() != DType.F32 && t.dtype() != DType.BF16 && t.dtype() != DType.F16) {
                throw new CheckpointException(path, "tensor '" + name + "' has dtype " + t.dtype() + "; expected F32, BF16 or F16");
            }
            Tensor view = mapped.apply(name);
            if (t.dtype() != dtype) return Ops.cast(view, dtype);
            return residence == Residence.MAPPED ? view : view.copy();
        }

        @Override
        public Parameter.Trainability trainability() {
            return residence == Residence.MAPPED ? Parameter.Trainability.FROZEN : Parameter.Trainability.TRAINABLE;
        }

        @Override
        public AutoCloseable release() { return file; }
    }
}
