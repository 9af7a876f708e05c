package dev.hone.quant.memory;

/**
 * The bytes of one fine-tuning configuration by part (see {@link MemoryEstimator} for how each is
 * counted): frozen base weights, trainable adapter parameters and their gradients, AdamW moments, and
 * activations saved for backward in one micro-batch.
 */
public record MemoryEstimate(long baseWeightBytes, long trainableParameters, long adapterBytes, long gradientBytes, long optimizerBytes,
                             long activationBytes) {

    public long totalBytes() { return baseWeightBytes + adapterBytes + gradientBytes + optimizerBytes + activationBytes; }

    /** A small table for the log, one line per part, sizes in MiB with byte counts. */
    public String report() {
        return String.join(System.lineSeparator(),
                line("base weights", baseWeightBytes),
                line("adapters (" + String.format("%,d", trainableParameters) + " params)", adapterBytes),
                line("gradients", gradientBytes),
                line("AdamW state", optimizerBytes),
                line("activations", activationBytes),
                line("total", totalBytes()));
    }

    private static String line(String part, long bytes) {
        return String.format("%-28s %12.2f MiB  (%,d bytes)", part, bytes / (1024.0 * 1024.0), bytes);
    }
}
