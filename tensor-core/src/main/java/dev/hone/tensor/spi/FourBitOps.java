package dev.hone.tensor.spi;

import dev.hone.tensor.DType;
import dev.hone.tensor.Tensor;

/**
 * Optional capability: matrix products with a frozen 4-bit weight (NF4 / FP4 in bitsandbytes' packed
 * layout) that never materialise the dense weight. Offered through {@link Backend#fourBit()}; callers
 * fall back to dequantize-then-matmul when it is absent or {@link #supports} says no.
 *
 * <p>The weight W [n, k] (row-major, as torch's Linear.weight [out, in]) is described by a
 * {@link PackedWeight}:
 * <ul>
 *   <li>{@code codes} U8 [ceil(n*k / 2)]: element i of the flattened weight is the high nibble of byte
 *       i/2 when i is even, the low nibble when odd;</li>
 *   <li>{@code absmax} F32 [ceil(n*k / blocksize)]: the float32 scale of each block of {@code blocksize}
 *       consecutive flattened elements. It is plain float32 here: a double-quantized absmax
 *       (bnb's compress_statistics) is recovered by the caller before the call, into a temporary that
 *       costs 4/blocksize bytes per weight for the duration of the call only (the layer keeps the
 *       8-bit form, so resident weight memory stays at 4.127 bits per parameter);</li>
 *   <li>{@code codebook} F32 [16]: the value of each code;</li>
 * </ul>
 * so W[r, c] = codebook[code(r*k + c)] * absmax[(r*k + c) / blocksize] in float32 arithmetic.
 *
 * <p>Contract for both products: activations and outputs are F32 or BF16 (16-bit values are widened
 * exactly, sums accumulate in F32 and are rounded to nearest even on output), contiguous, any leading
 * batch axes flattened into M by the caller ([M, K] and [M, N]); outputs are preallocated and
 * overwritten. Implementations may require k to be a multiple of blocksize (so no block straddles two
 * rows) and specific dtypes: callers ask {@link #supports} first. Weight tensors are read only.
 */
public interface FourBitOps {

    /** Whether {@link #matmul} and {@link #inputGradient} accept this weight geometry with activations of {@code dtype}. */
    boolean supports(DType activations, int n, int k, int blocksize);

    /** y [M, n] = x [M, k] · dequant(W)ᵀ. */
    void matmul(Tensor x, Tensor codes, Tensor absmax, Tensor codebook, int n, int k, int blocksize, Tensor y);

    /** dx [M, k] = dy [M, n] · dequant(W) (the input gradient of {@link #matmul}; there is no weight gradient). */
    void inputGradient(Tensor dy, Tensor codes, Tensor absmax, Tensor codebook, int n, int k, int blocksize, Tensor dx);

    /** {@link #matmul} with the weight's parts in one value. */
    default void matmul(Tensor x, PackedWeight w, Tensor y) {
        matmul(x, w.codes(), w.absmax(), w.codebook(), w.n(), w.k(), w.blocksize(), y);
    }

    /** {@link #inputGradient} with the weight's parts in one value. */
    default void inputGradient(Tensor dy, PackedWeight w, Tensor dx) {
        inputGradient(dy, w.codes(), w.absmax(), w.codebook(), w.n(), w.k(), w.blocksize(), dx);
    }

    /**
     * The parts of a 4-bit weight W [n, k] as tensors on one device (see the class comment for the
     * layout). The constructor checks dtypes and element counts and that blocksize is a power of two in
     * 32..4096 (bitsandbytes' range); it copies nothing.
     */
    record PackedWeight(Tensor codes, Tensor absmax, Tensor codebook, int n, int k, int blocksize) {
        public PackedWeight {
            if (n < 1 || k < 1) throw new IllegalArgumentException(describe(n, k, blocksize) + ": empty weight");
            if (blocksize < 32 || blocksize > 4096 || Integer.bitCount(blocksize) != 1) {
                throw new IllegalArgumentException(describe(n, k, blocksize) + ": blocksize must be a power of two in 32..4096");
            }
            long numel = (long) n * k;
            check(n, k, blocksize, "codes", codes, DType.U8, (numel + 1) / 2);
            check(n, k, blocksize, "absmax", absmax, DType.F32, (numel + blocksize - 1) / blocksize);
            check(n, k, blocksize, "codebook", codebook, DType.F32, 16);
            if (!codes.device().equals(absmax.device()) || !codes.device().equals(codebook.device())) {
                throw new IllegalArgumentException(describe(n, k, blocksize) + ": codes on " + codes.device() + ", absmax on "
                        + absmax.device() + ", codebook on " + codebook.device() + " (must share a device)");
            }
        }

        /**
         * The weight as named in error messages; built only when a check fails, because backends validate a
         * PackedWeight on every call and a decode call takes about a millisecond.
         */
        private static String describe(int n, int k, int blocksize) {
            return "4-bit weight [" + n + ", " + k + "] in blocks of " + blocksize;
        }

        private static void check(int n, int k, int blocksize, String part, Tensor t, DType dtype, long numel) {
            if (t.dtype() != dtype || t.numel() != numel || t.rank() != 1) {
                throw new IllegalArgumentException(describe(n, k, blocksize) + ": " + part + " must be " + dtype + " [" + numel
                        + "], got " + t.dtype() + " " + t.shape());
            }
        }

        /** Number of weights, n * k. */
        public long numel() { return (long) n * k; }
    }
}
