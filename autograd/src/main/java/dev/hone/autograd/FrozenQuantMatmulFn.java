package dev.hone.autograd;

import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.FourBitOps;
import dev.hone.tensor.spi.FourBitOps.PackedWeight;

import java.util.Arrays;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * y = x · dequant(W)ᵀ for a frozen 4-bit weight W [n, k] in bitsandbytes' packed layout
 * ({@link PackedWeight}: U8 codes, F32 absmax, F32 code book) and x [..., k] of any floating dtype;
 * y is [..., n] in x's dtype. This is the quantized linear layer's product (bnb's
 * MatMul4Bit): the weight is a constant, so the only gradient is the input's, dx = dy · dequant(W),
 * and no weight gradient is ever formed (QLoRA trains adapters on top of it).
 *
 * <p>Both directions use the backend's {@link FourBitOps} when it {@link FourBitOps#supports supports}
 * the geometry and dtype (CPU: F32/BF16 with k a multiple of blocksize); otherwise the weight is
 * dequantized with primitive ops (codes split into nibbles, looked up in the code book, times the
 * block's absmax in float32, over the flattened weight so rows may straddle blocks, as bnb does),
 * converted to x's dtype and multiplied. Nothing dense is saved for backward: the fallback
 * dequantizes again there (as bnb does), and per-call temporaries (dequantized weight, recovered
 * absmax) live in a scope closed after each product, so a layer's resident cost stays the packed
 * weight between forward and backward.
 */
public enum FrozenQuantMatmulFn implements DiffOp {
    FROZEN_QUANT_MATMUL;

    @Override
    public String opName() { return "frozen_quant_matmul"; }

    /** x [..., k] · dequant(W)ᵀ → [..., n]; records the input-gradient rule when x requires a gradient. */
    public Tensor apply(Tensor x, PackedWeight w) { return apply(x, () -> w); }

    /**
     * As {@link #apply(Tensor, PackedWeight)} for a weight whose parts are made on demand (a layer that
     * keeps its absmax double-quantized recovers the float32 absmax per call). {@code weight} is called
     * once for the forward product and once more in backward, each time inside a scope closed right
     * after the product, so those temporaries are never held between forward and backward.
     */
    public Tensor apply(Tensor x, Supplier<PackedWeight> weight) {
        Tape.Recording rec = Tape.track(this, x);
        Shape inputShape = x.shape();
        DType dtype = x.dtype();
        Tensor y = inOwnScope(() -> {
            PackedWeight w = weight.get();
            check(x, w);
            return product(x, w, w.k(), w.n(), Direction.FORWARD);
        });
        return rec.record(y, dy -> new Tensor[] {rec.needs(0) ? inOwnScope(() -> inputGradient(dy, weight.get(), inputShape, dtype)) : null});
    }

    private void check(Tensor x, PackedWeight w) {
        if (!x.dtype().isFloating() || x.rank() < 1 || x.dim(-1) != w.k()) {
            throw new IllegalArgumentException(opName() + ": x " + x.shape() + " " + x.dtype() + " does not match 4-bit weight ["
                    + w.n() + ", " + w.k() + "] (x must be floating with last axis " + w.k() + ")");
        }
        if (!x.device().equals(w.codes().device())) {
            throw new IllegalArgumentException(opName() + ": x on " + x.device() + ", weight [" + w.n() + ", " + w.k() + "] on "
                    + w.codes().device());
        }
    }

    /** Runs {@code body} in a nested scope and hands its result to the enclosing one; everything else it made is freed. */
    private static Tensor inOwnScope(Supplier<Tensor> body) {
        try (Scope scope = Scope.open()) {
            return scope.keep(body.get());
        }
    }

    private enum Direction { FORWARD, INPUT_GRADIENT }

    private static Tensor inputGradient(Tensor dy, PackedWeight w, Shape inputShape, DType dtype) {
        Tensor g = dy.dtype() == dtype ? dy : Ops.cast(dy, dtype);
        return product(g, w, w.n(), w.k(), Direction.INPUT_GRADIENT).reshape(inputShape.dims());
    }

    /** in [..., inCols] → out [..., outCols] through the fused kernel when offered, else dequantize and matmul. */
    private static Tensor product(Tensor in, PackedWeight w, int inCols, int outCols, Direction direction) {
        int[] dims = in.shape().dims();
        Tensor rows = in.reshape(-1, inCols);                                        // [M, inCols]
        Optional<FourBitOps> fused = in.backend().fourBit().filter(f -> f.supports(in.dtype(), w.n(), w.k(), w.blocksize()));
        Tensor out;
        if (fused.isPresent()) {
            out = Tensor.empty(in.backend(), in.dtype(), Shape.of(rows.dim(0), outCols)); // [M, outCols]
            if (direction == Direction.FORWARD) fused.get().matmul(rows, w, out);
            else fused.get().inputGradient(rows, w, out);
        } else {
            Tensor dense = dequantize(w, in.dtype());                                // [n, k]
            out = Ops.matmul(rows, direction == Direction.FORWARD ? dense.mT() : dense);
        }
        int[] outDims = Arrays.copyOf(dims, dims.length);
        outDims[dims.length - 1] = outCols;
        return out.reshape(outDims);
    }

    /**
     * The dense weight [n, k] in {@code dtype}: codebook[code(i)] * absmax[i / blocksize] over the
     * flattened weight, computed in float32 with primitive ops on the weight's backend.
     */
    public static Tensor dequantize(PackedWeight w, DType dtype) {
        long numel = w.numel();
        Tensor packed = Ops.cast(w.codes(), DType.I32);                              // [P]
        Tensor high = Ops.div(packed, Ops.scalarLike(packed, 16));                   // [P] even elements
        Tensor low = Ops.sub(packed, Ops.mul(high, Ops.scalarLike(packed, 16)));     // [P] odd elements
        Tensor codes = Ops.cat(1, high.unsqueeze(1), low.unsqueeze(1))               // [P, 2]
                .reshape(-1).narrow(0, 0, Math.toIntExact(numel));                   // [n*k]
        Tensor values = Ops.indexSelect(w.codebook(), codes);                        // [n*k]
        int blocks = w.absmax().dim(0);
        Tensor scales = w.absmax().unsqueeze(1).expand(blocks, w.blocksize())        // [blocks, blocksize]
                .reshape(-1).narrow(0, 0, Math.toIntExact(numel));                   // [n*k]
        Tensor dense = Ops.mul(values, scales).reshape(w.n(), w.k());                // [n, k] F32
        return Ops.cast(dense, dtype);
    }
}
