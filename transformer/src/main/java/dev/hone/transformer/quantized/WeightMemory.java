package dev.hone.transformer.quantized;

import dev.hone.autograd.nn.Module;
import dev.hone.autograd.nn.Parameter;
import dev.hone.quant.nn.QuantizedLinear;
import dev.hone.tensor.Tensor;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Resident weight memory of a (partly) quantized model, split the way the QLoRA memory claim is made:
 * <ul>
 *   <li>{@code quantizedBytes}: the quantized projections' own data (packed codes, absmax storage: U8
 *       codes + F32 nested absmax + F32 offset when double-quantized) plus each distinct code-book
 *       tensor once (the 16-entry table, the 256-entry nested map), i.e. everything needed to run them;</li>
 *   <li>{@code quantizedAsF32Bytes}: what the same projections take as F32 (4 bytes a weight);</li>
 *   <li>{@code denseBytes}: every parameter's value (embeddings, norms, biases, a dense lm_head) in its
 *       own dtype; quantization leaves these alone.</li>
 * </ul>
 * {@link #quantizedRatio()} is the "weight memory vs F32" for the quantized weights;
 * {@link #modelRatio()} compares the whole model with an all-F32 copy of it.
 */
public record WeightMemory(long quantizedBytes, long quantizedAsF32Bytes, long quantizedParameters, long denseBytes, long denseParameters) {

    /** Measures {@code model} as it is now (dense parameters at their dtype's size). */
    public static WeightMemory of(Module model) {
        long quantized = 0, quantizedParams = 0, dense = 0, denseParams = 0;
        Map<Tensor, Boolean> books = new IdentityHashMap<>();
        for (Module m : model.namedModules().values()) {
            if (!(m instanceof QuantizedLinear q)) continue;
            quantized += q.weight().dataBytes();
            quantizedParams += q.weight().shape().numel();
            for (Tensor book : q.weight().codeBooks()) {
                if (books.put(book, Boolean.TRUE) == null) quantized += book.numel() * book.dtype().byteSize();
            }
        }
        for (Parameter p : model.parameters()) {
            dense += p.value().numel() * p.value().dtype().byteSize();
            denseParams += p.value().numel();
        }
        return new WeightMemory(quantized, 4 * quantizedParams, quantizedParams, dense, denseParams);
    }

    /** quantizedBytes / quantizedAsF32Bytes: 4.127 / 32 = 0.129 for NF4 with double quantization, plus the code books. */
    public double quantizedRatio() { return quantizedAsF32Bytes == 0 ? 1 : (double) quantizedBytes / quantizedAsF32Bytes; }

    /** Storage bits per quantized weight, code books included. */
    public double quantizedBitsPerParameter() { return quantizedParameters == 0 ? 0 : 8.0 * quantizedBytes / quantizedParameters; }

    /** The whole model's resident weight bytes. */
    public long modelBytes() { return quantizedBytes + denseBytes; }

    /** The whole model against an all-F32 copy (4 bytes for every weight, dense or quantized). */
    public double modelRatio() { return (double) modelBytes() / (4 * (quantizedParameters + denseParameters)); }

    /** Two lines for a log or a report. */
    public String summary() {
        return String.format("quantized projections: %,d weights, %,d bytes vs %,d as F32 (%.4fx, %.3f bits/weight incl. code books)%n"
                        + "whole model: %,d bytes vs %,d as F32 (%.4fx; %,d dense weights kept at their dtype)",
                quantizedParameters, quantizedBytes, quantizedAsF32Bytes, quantizedRatio(), quantizedBitsPerParameter(),
                modelBytes(), 4 * (quantizedParameters + denseParameters), modelRatio(), denseParameters);
    }
}
