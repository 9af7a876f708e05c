package dev.hone.quant.nn;

import dev.hone.quant.QuantSpec;

import java.util.List;

/**
 * What {@link ModelQuantizer#quantizeLinears} did: the spec, the module paths quantized and those
 * kept dense, and the model's resident weight bytes before and after (see
 * {@link ModelQuantizer#weightBytes}).
 */
public record QuantizationReport(QuantSpec spec, List<String> quantized, List<String> keptDense, long bytesBefore, long bytesAfter) {
    public QuantizationReport {
        quantized = List.copyOf(quantized);
        keptDense = List.copyOf(keptDense);
    }

    /** bytesAfter / bytesBefore. */
    public double ratio() { return bytesBefore == 0 ? 1 : (double) bytesAfter / bytesBefore; }

    /** A few lines for a log: counts, bytes and the ratio. */
    public String summary() {
        return String.format("quantized %d linear layers to %s (blocks of %d, absmax %s); kept dense: %s%nweights: %,d bytes -> %,d bytes (%.4fx)",
                quantized.size(), spec.format(), spec.blocksize(), spec.absmaxEncoding(), keptDense.isEmpty() ? "none" : String.join(", ", keptDense),
                bytesBefore, bytesAfter, ratio());
    }
}
