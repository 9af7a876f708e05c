package dev.hone.transformer.quantized;

import dev.hone.quant.QuantSpec;
import dev.hone.quant.nn.ModelQuantizer;
import dev.hone.quant.nn.QuantizationReport;
import dev.hone.tensor.DType;
import dev.hone.transformer.checkpoint.HfCheckpoint;
import dev.hone.transformer.checkpoint.Llama2cCheckpoint;
import dev.hone.transformer.model.LlamaModel;

import java.nio.file.Path;

/**
 * Quantize-on-load for Llama-family models, as transformers does with {@code load_in_4bit=True}
 * (bitsandbytes' replace_with_bnb_linear): every projection of every decoder layer (q, k, v, o, gate,
 * up, down) becomes a {@link dev.hone.quant.nn.QuantizedLinear} with the given spec (the QLoRA recipe,
 * {@link QuantSpec#qlora()}: NF4, blocks of 64, double-quantized absmax); the token embedding, the
 * RMSNorm weights and an untied {@code lm_head} stay dense in the model dtype.
 *
 * <p>A Hugging Face folder is opened memory-mapped ({@link HfCheckpoint.Residence#MAPPED}), so when the
 * file's dtype is the model dtype the dense projection weights are quantized straight from the mapping
 * and never copied; the mapping stays open (for the dense embeddings and norms) until the model is
 * closed. Tensors of another dtype are cast into the current scope first, and those dense copies live
 * as long as that scope.
 */
public final class QuantizedLlama {
    private QuantizedLlama() { }

    /** The loaded model and what quantization did to it. */
    public record Loaded(LlamaModel model, QuantizationReport report) { }

    /** Quantizes {@code model}'s projections in place (lm_head and embeddings stay dense); codes live in the current scope. */
    public static QuantizationReport quantize(LlamaModel model, QuantSpec spec) {
        return ModelQuantizer.quantizeLinears(model, spec, ModelQuantizer.exceptOutputHead());
    }

    /** A Hugging Face folder (F32 / BF16 / F16 safetensors) loaded in {@code dtype} with its projections quantized. */
    public static Loaded loadHf(Path folder, DType dtype, QuantSpec spec) {
        LlamaModel model = HfCheckpoint.load(folder, dtype, HfCheckpoint.Residence.MAPPED);
        return new Loaded(model, quantize(model, spec));
    }

    /** A llama2.c checkpoint loaded in {@code dtype} with its projections quantized. */
    public static Loaded loadLlama2c(Path checkpoint, DType dtype, QuantSpec spec) {
        LlamaModel model = Llama2cCheckpoint.load(checkpoint, dtype);
        return new Loaded(model, quantize(model, spec));
    }
}
