package dev.hone.quant.nn;

import dev.hone.quant.CodeBook;
import dev.hone.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * Code books (the 16-value NF4 / FP4 tables, the 256-value map of double-quantized absmax) as F32
 * tensors, made once and shared by every layer quantized with the same instance. They are constants of
 * the format, so a model needs one copy each, not one per layer: with a private copy per layer the
 * 1,088 bytes of books would cost stories260K's 2,048-weight k/v projections 4 bits per parameter on
 * their own. Tensors are made in the scope current at their first request; one instance per model
 * (or per quantization run), used from one thread.
 */
public final class CodeBookTensors {
    private final Map<CodeBook, Tensor> tensors = new HashMap<>();

    /** The F32 [size] tensor of {@code book}, the same tensor on every call with an equal book. */
    public Tensor of(CodeBook book) { return tensors.computeIfAbsent(book, b -> Tensor.of(b.values(), b.size())); }

    /** Bytes of the books made so far. */
    public long byteSize() {
        long total = 0;
        for (Tensor t : tensors.values()) total += t.numel() * t.dtype().byteSize();
        return total;
    }
}
