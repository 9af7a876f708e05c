package dev.hone.quant.nn;

import dev.hone.autograd.nn.Linear;
import dev.hone.autograd.nn.Module;
import dev.hone.autograd.nn.Parameter;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.QuantizedTensor;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Replaces a model's dense {@link Linear} layers by {@link QuantizedLinear} ones (bitsandbytes'
 * replace_with_bnb_linear, as transformers runs it for load_in_4bit). Which layers: a predicate on the
 * dotted module path; the default, {@link #exceptOutputHead()}, quantizes every linear except the
 * output projection "lm_head", which transformers keeps in full precision (get_keys_to_not_convert
 * returns the output embeddings, and tied weights, when llm_int8_skip_modules is unset). Embeddings
 * are not linear layers and stay dense either way. All layers quantized in one call share one set of
 * code-book tensors. The replaced dense layers are detached from the model; with {@link DenseWeights#KEEP}
 * their tensors stay owned by the scope that made them (the caller may still compare against them), with
 * {@link DenseWeights#RELEASE} each replaced weight whose storage is its own and is not used by a remaining
 * parameter (a tied embedding) is released at once, so QLoRA training does not hold both copies.
 */
public final class ModelQuantizer {
    private ModelQuantizer() { }

    /** What happens to the dense weights that quantized layers replace. */
    public enum DenseWeights {
        /** Left to the scope that owns them. */
        KEEP,
        /** Released now when nothing else in the model uses them and they do not share a storage (a mapped file). */
        RELEASE
    }

    /** Every path except an output head named "lm_head" (at any depth). */
    public static Predicate<String> exceptOutputHead() {
        return path -> !(path.equals("lm_head") || path.endsWith(".lm_head"));
    }

    /** {@link #quantizeLinears(Module, QuantSpec, Predicate)} with {@link #exceptOutputHead()}. */
    public static QuantizationReport quantizeLinears(Module model, QuantSpec spec) { return quantizeLinears(model, spec, exceptOutputHead()); }

    /** {@link #quantizeLinears(Module, QuantSpec)}, then the replaced dense weights handled as {@code dense} says. */
    public static QuantizationReport quantizeLinears(Module model, QuantSpec spec, DenseWeights dense) {
        List<Tensor> replaced = new ArrayList<>();
        QuantizationReport report = quantizeLinears(model, spec, exceptOutputHead(), replaced);
        if (dense == DenseWeights.RELEASE) release(model, replaced);
        return report;
    }

    /**
     * Quantizes, in place, every {@link Linear} below {@code model} whose path {@code which} accepts
     * (biases shared and frozen), in the current scope; returns what changed and the weight bytes before
     * and after. The root module itself is never replaced.
     */
    public static QuantizationReport quantizeLinears(Module model, QuantSpec spec, Predicate<String> which) {
        return quantizeLinears(model, spec, which, new ArrayList<>());
    }

    private static QuantizationReport quantizeLinears(Module model, QuantSpec spec, Predicate<String> which, List<Tensor> replaced) {
        if (!spec.format().isFourBit()) {
            throw new IllegalArgumentException("quantizeLinears: " + spec + " is not a 4-bit format (QuantizedLinear runs NF4 and FP4)");
        }
        long before = weightBytes(model);
        CodeBookTensors books = new CodeBookTensors();
        List<String> quantized = new ArrayList<>();
        List<String> keptDense = new ArrayList<>();
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            String path = e.getKey();
            if (path.isEmpty() || !(e.getValue() instanceof Linear dense)) continue;
            if (!which.test(path)) {
                keptDense.add(path);
                continue;
            }
            model.replace(path, QuantizedLinear.quantize(dense, spec, Parameter.Trainability.FROZEN, books));
            quantized.add(path);
            replaced.add(dense.weight().value());
        }
        return new QuantizationReport(spec, quantized, keptDense, before, weightBytes(model));
    }

    /** Releases each replaced weight that owns its whole storage and that no parameter of {@code model} still uses. */
    private static void release(Module model, List<Tensor> replaced) {
        Map<Object, Boolean> inUse = new IdentityHashMap<>();
        for (Parameter p : model.parameters()) inUse.put(p.value().storage(), Boolean.TRUE);
        for (Tensor w : replaced) {
            boolean ownStorage = w.storage().byteSize() == w.numel() * w.dtype().byteSize();
            if (ownStorage && !inUse.containsKey(w.storage()) && Scope.isOpen()) Scope.current().freeFromEnclosing(w);
        }
    }

    /** Every quantized layer's weight by parameter path ("layers.0.q_proj.weight"), for saving in bnb's layout. */
    public static Map<String, QuantizedTensor> quantizedWeights(Module model) {
        Map<String, QuantizedTensor> out = new LinkedHashMap<>();
        model.namedModules().forEach((path, m) -> {
            if (m instanceof QuantizedLinear q) out.put(path.isEmpty() ? "weight" : path + ".weight", q.quantizedWeight());
        });
        return out;
    }

    /**
     * Resident weight bytes of a model: every parameter's value, plus each quantized layer's codes and
     * absmax, plus each distinct code-book tensor once.
     */
    public static long weightBytes(Module model) {
        long total = 0;
        for (Parameter p : model.parameters()) total += p.value().numel() * p.value().dtype().byteSize();
        Map<Tensor, Boolean> books = new IdentityHashMap<>();
        for (Module m : model.namedModules().values()) {
            if (!(m instanceof QuantizedLinear q)) continue;
            total += q.weight().dataBytes();
            for (Tensor book : q.weight().codeBooks()) {
                if (books.put(book, Boolean.TRUE) == null) total += book.numel() * book.dtype().byteSize();
            }
        }
        return total;
    }
}
