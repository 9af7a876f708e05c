package dev.hone.quant.nn;

import dev.hone.autograd.Diff;
import dev.hone.autograd.FrozenQuantMatmulFn;
import dev.hone.autograd.nn.Linear;
import dev.hone.autograd.nn.LinearLayer;
import dev.hone.autograd.nn.Module;
import dev.hone.autograd.nn.Parameter;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.QuantizedTensor;
import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;

/**
 * y = x · dequant(W)ᵀ + b with a frozen 4-bit weight W [out, in] (bitsandbytes' Linear4bit): x is
 * [..., in] F32 or BF16 (F64 on the reference backend), y is [..., out] in x's dtype. The product runs
 * through {@link FrozenQuantMatmulFn} (the backend's fused 4-bit kernel when it has one, else
 * dequantize-then-matmul), so backward yields the input gradient only: the weight is not a
 * {@link Parameter}, no optimizer sees it and no gradient buffer is ever made for it. The optional bias
 * [out] is a registered parameter, frozen unless asked otherwise; it is converted to x's dtype when the
 * two differ. QLoRA puts a LoRA adapter over this layer (it is a {@link LinearLayer}).
 *
 * <p>Shapes whose in-features are not a multiple of the block size (stories260K's down projection,
 * in = 172 with blocks of 64) are quantized as bnb does, over the flattened weight with blocks that
 * straddle rows and a partial last block; they run on the dequantize-then-matmul path.
 */
public final class QuantizedLinear extends Module implements LinearLayer {
    private final FourBitLayerWeight weight;
    private final Parameter bias;

    /**
     * A layer over a 4-bit weight [out, in] (copied into tensors of the current scope, code books taken
     * from {@code books}) and an optional bias [out] (held, not copied) with the given trainability.
     */
    public QuantizedLinear(QuantizedTensor weight, Tensor bias, Parameter.Trainability biasTrainability, CodeBookTensors books) {
        this.weight = FourBitLayerWeight.of(weight, books);
        int out = this.weight.shape().dim(0);
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != out)) {
            throw new IllegalArgumentException("QuantizedLinear: bias " + bias.shape() + " does not match weight " + weight.shape());
        }
        this.bias = bias == null ? null : register(new Parameter("bias", bias, biasTrainability));
    }

    /** A stand-alone layer (its own code books) with a frozen bias (or none). */
    public QuantizedLinear(QuantizedTensor weight, Tensor bias) {
        this(weight, bias, Parameter.Trainability.FROZEN, new CodeBookTensors());
    }

    /** Quantizes a dense layer's weight with {@code spec} (4-bit formats); its bias is shared and frozen. */
    public static QuantizedLinear quantize(Linear dense, QuantSpec spec) {
        return quantize(dense, spec, Parameter.Trainability.FROZEN, new CodeBookTensors());
    }

    /** Quantizes a dense layer's weight; its bias tensor is shared, with the given trainability; books from {@code books}. */
    public static QuantizedLinear quantize(Linear dense, QuantSpec spec, Parameter.Trainability biasTrainability, CodeBookTensors books) {
        QuantizedTensor q = QuantizedTensor.quantize(dense.weight().value(), spec);
        return new QuantizedLinear(q, dense.bias() == null ? null : dense.bias().value(), biasTrainability, books);
    }

    /** The product's output is fresh and saved by no backward rule (nor is the bias sum's). */
    @Override
    public boolean forwardResultIsWritable() { return true; }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = FrozenQuantMatmulFn.FROZEN_QUANT_MATMUL.apply(x, weight::packed); // [..., out]
        if (bias == null) return y;
        Tensor b = bias.value();                                                       // [out]
        return Diff.add(y, b.dtype() == y.dtype() ? b : Diff.cast(b, y.dtype()));
    }

    @Override
    public int inFeatures() { return weight.shape().dim(1); }

    @Override
    public int outFeatures() { return weight.shape().dim(0); }

    /** The resident 4-bit weight. */
    public FourBitLayerWeight weight() { return weight; }

    /** The bias, or null. */
    public Parameter bias() { return bias; }

    /** A host copy of the weight in {@link QuantizedTensor} form (for saving in bitsandbytes' layout). */
    public QuantizedTensor quantizedWeight() { return weight.toQuantizedTensor(); }

    /**
     * A dense layer with the dequantized weight in {@code dtype} (for merging adapters into it) and a
     * copy of the bias, both in the current scope.
     */
    public Linear dequantize(DType dtype) {
        Tensor dense;
        try (Scope scope = Scope.open()) {
            dense = scope.keep(FrozenQuantMatmulFn.dequantize(weight.packed(), dtype).contiguous()); // [out, in]
        }
        return new Linear(dense, bias == null ? null : bias.value().copy());
    }

    /** Resident bytes of the weight's own data (codes, absmax; shared code books excluded) and of the bias. */
    public long byteSize() {
        return weight.dataBytes() + (bias == null ? 0 : bias.value().numel() * bias.value().dtype().byteSize());
    }

    @Override
    public String toString() { return "QuantizedLinear[" + weight + (bias == null ? "" : ", bias " + bias.trainability()) + "]"; }
}
