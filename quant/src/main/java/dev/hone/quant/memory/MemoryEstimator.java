package dev.hone.quant.memory;

import dev.hone.quant.AbsmaxEncoding;
import dev.hone.quant.QuantFormat;
import dev.hone.quant.QuantSpec;
import dev.hone.tensor.DType;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Bytes a (Q)LoRA fine-tuning run of a {@link DecoderShape} needs, reported before training starts.
 * All counts are closed-form; the rules, per part:
 * <ul>
 *   <li>Base weights: {@link BaseFormat.Dense} stores every parameter in its dtype.
 *       {@link BaseFormat.Quantized} stores the seven projections of every layer as bitsandbytes does
 *       (4-bit: ceil(n/2) code bytes plus absmax, 4 bytes a block, or double-quantized: 1 byte a block,
 *       4 bytes per 256 blocks, 4 bytes of offset; INT8: n bytes plus 4 per row), one shared set of code
 *       books (16 floats, plus 256 when double-quantized), and everything else (embedding, norms,
 *       untied head) dense in its {@code rest} dtype.</li>
 *   <li>Adapters: r (in + out) parameters per targeted projection per layer, in the adapter dtype;
 *       their gradients the same again; AdamW keeps two F32 moments per trainable parameter.</li>
 *   <li>Activations saved for backward, per token, in the activation dtype: per layer the attention
 *       norm's input and output (2D), q, k, v (D + 2 kvDim, saved by fused attention, which keeps no
 *       T x T scores), the attention output (D), the MLP norm's input and output (2D), gate, up and
 *       their SwiGLU product (3F), and each adapter's x·Aᵀ (r per target), plus F32 statistics (two
 *       norm rstd values, one logsumexp per head). The head adds the final norm's input and output
 *       (2D), the logits and their gradient (2V) and two F32 statistics. With activation checkpointing
 *       a layer keeps only its input (D) and one layer's activations are live again during its
 *       recomputation. Dropout masks (dropout 0 assumed) and allocator slack are not counted.</li>
 * </ul>
 */
public final class MemoryEstimator {
    private MemoryEstimator() { }

    /** How the frozen base model is stored. */
    public sealed interface BaseFormat {
        /** Every parameter in {@code dtype}. */
        record Dense(DType dtype) implements BaseFormat { }

        /** The projections quantized with {@code spec}; the other parameters dense in {@code rest}. */
        record Quantized(QuantSpec spec, DType rest) implements BaseFormat { }
    }

    /** LoRA adapters: rank, the projection names they wrap (q_proj ... down_proj), and their dtype. */
    public record Adapters(int rank, Set<String> targets, DType dtype) {
        public Adapters {
            targets = Set.copyOf(new LinkedHashSet<>(targets));
            if (rank < 1) throw new IllegalArgumentException("Adapters: rank " + rank + " must be positive");
        }
    }

    /** Whether decoder layers are recomputed in backward instead of keeping their activations. */
    public enum ActivationCheckpointing { OFF, PER_LAYER }

    /** Micro-batch size, sequence length, activation dtype and checkpointing of one training step. */
    public record Step(int microBatch, int sequenceLength, DType activations, ActivationCheckpointing checkpointing) {
        public Step {
            if (microBatch < 1 || sequenceLength < 1) {
                throw new IllegalArgumentException("Step: micro-batch " + microBatch + " and sequence length " + sequenceLength + " must be positive");
            }
        }

        public long tokens() { return (long) microBatch * sequenceLength; }
    }

    public static MemoryEstimate estimate(DecoderShape model, BaseFormat base, Adapters adapters, Step step) {
        for (String t : adapters.targets()) {
            if (model.projections().stream().noneMatch(p -> p.name().equals(t))) {
                throw new IllegalArgumentException("MemoryEstimator: adapter target '" + t + "' is not a projection of the model "
                        + model.projections().stream().map(DecoderShape.Projection::name).toList());
            }
        }
        long adapterParameters = 0;
        for (DecoderShape.Projection p : model.projections()) {
            if (adapters.targets().contains(p.name())) adapterParameters += (long) adapters.rank() * (p.in() + p.out());
        }
        adapterParameters *= model.layers();
        long adapterBytes = adapterParameters * adapters.dtype().byteSize();
        return new MemoryEstimate(baseWeightBytes(model, base), adapterParameters, adapterBytes, adapterBytes, 8 * adapterParameters,
                activationBytes(model, adapters, step));
    }

    static long baseWeightBytes(DecoderShape model, BaseFormat base) {
        return switch (base) {
            case BaseFormat.Dense d -> model.parameters() * d.dtype().byteSize();
            case BaseFormat.Quantized q -> {
                long projections = 0;
                for (DecoderShape.Projection p : model.projections()) projections += quantizedBytes(p.out(), p.in(), q.spec());
                yield model.layers() * projections + codeBookBytes(q.spec()) + model.nonProjectionParameters() * q.rest().byteSize();
            }
        };
    }

    /** Bytes of one weight [rows, cols] quantized with {@code spec}, code books excluded (they are shared). */
    public static long quantizedBytes(int rows, int cols, QuantSpec spec) {
        long numel = (long) rows * cols;
        if (spec.format() == QuantFormat.INT8) return numel + 4L * rows;
        long blocks = (numel + spec.blocksize() - 1) / spec.blocksize();
        long absmax = spec.absmaxEncoding() == AbsmaxEncoding.DOUBLE_QUANT
                ? blocks + 4 * ((blocks + QuantSpec.NESTED_BLOCKSIZE - 1) / QuantSpec.NESTED_BLOCKSIZE) + 4
                : 4 * blocks;
        return (numel + 1) / 2 + absmax;
    }

    /** The code books a model quantized with {@code spec} holds once. */
    public static long codeBookBytes(QuantSpec spec) {
        if (!spec.format().isFourBit()) return 0;
        return 16 * 4 + (spec.absmaxEncoding() == AbsmaxEncoding.DOUBLE_QUANT ? 256 * 4 : 0);
    }

    static long activationBytes(DecoderShape model, Adapters adapters, Step step) {
        long s = step.activations().byteSize();
        long d = model.hiddenSize(), f = model.intermediateSize(), v = model.vocabSize();
        long layerElements = 6 * d + 2L * model.kvDim() + 3 * f + (long) adapters.rank() * adapters.targets().size();
        long layerPerToken = s * layerElements + 4L * (2 + model.heads());
        long headPerToken = s * (2 * d + 2 * v) + 4L * 2;
        long layersPerToken = step.checkpointing() == ActivationCheckpointing.OFF
                ? model.layers() * layerPerToken
                : model.layers() * s * d + layerPerToken;
        return step.tokens() * (layersPerToken + headPerToken);
    }
}
