package dev.hone.tensor.spi;

import dev.hone.tensor.DType;
import dev.hone.tensor.Device;
import dev.hone.tensor.MemoryStats;
import dev.hone.tensor.Storage;
import dev.hone.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * The small set of primitives every backend implements; everything else in Hone is built from them.
 * Op families are enum parameters, so the interface stays short (anchor: candle's backend.rs).
 *
 * <p>Contract for every method: arguments are views (any strides, any offset, stride 0 for broadcast
 * axes); {@code out} is preallocated by the caller with the result's shape and dtype, and does not
 * overlap an input unless stated. Shape and dtype checks happen in {@code dev.hone.tensor.Ops} before
 * a backend is called, so backends may assume consistent arguments. Backends never allocate tensors
 * visible to the caller except through {@link #allocate}.
 */
public interface Backend extends AutoCloseable {

    String name();

    Device device();

    /** Uninitialised storage from this backend's caching allocator. */
    Storage allocate(DType dtype, long numel);

    /** Live and cached buffer accounting of this backend's allocator. */
    MemoryStats memoryStats();

    /** out = op(x); x and out have the same shape and dtype. */
    void unary(UnaryOp op, Tensor x, Tensor out);

    /**
     * out = a op b; a and b are already expanded to out's shape and have out's dtype. out may be the very
     * same view as a (identical layout over the same storage: in-place accumulation, {@code Ops.addInPlace}),
     * so implementations read each element of a before writing that element of out.
     */
    void binary(BinaryOp op, Tensor a, Tensor b, Tensor out);

    /** out (BOOL) = a op b; a and b are expanded to out's shape and share a dtype. */
    void compare(CompareOp op, Tensor a, Tensor b, Tensor out);

    /** out = cond ? a : b; cond is BOOL; all expanded to out's shape. */
    void where(Tensor cond, Tensor a, Tensor b, Tensor out);

    /**
     * Reduces x over {@code axes} (sorted, distinct, non-negative); out has x's shape with those axes of
     * size 1 (keep-dims). For ARGMAX there is exactly one axis and out is I64.
     */
    void reduce(ReduceOp op, Tensor x, int[] axes, Tensor out);

    /**
     * out = alpha * a @ b + beta * out, batched over leading axes. a is [..., M, K], b is [..., K, N],
     * out is [..., M, N]; batch axes are already expanded to out's batch shape (stride 0 when broadcast).
     * A transposed operand arrives as a view whose second-to-last axis has stride 1; backends pick the
     * matching kernel variant from the strides. Inputs are F32, BF16 or F16 (F64 on the reference
     * backend) with out F32 or the input dtype; accumulation is F32 at least. With beta == 0, out's prior
     * contents are ignored (even NaN).
     */
    void matmul(Tensor a, Tensor b, Tensor out, float alpha, float beta);

    /**
     * out = alpha1 * a1 @ b1 + alpha2 * a2 @ b2 + beta * out for matrices a1 [M, K1], b1 [K1, N], a2 [M, K2],
     * b2 [K2, N] and out [M, N] (F32 or the inputs' dtype), under the same rules as {@link #matmul}. Backends
     * that can fold the second product into the first one's pass over out override this: a LoRA layer's
     * y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ and its dx = g·W + s·(g·B)·A then merge each tile of out once. The default is
     * two calls of {@link #matmul}.
     */
    default void matmulSum(Tensor a1, Tensor b1, float alpha1, Tensor a2, Tensor b2, float alpha2, Tensor out, float beta) {
        matmul(a1, b1, out, alpha1, beta);
        matmul(a2, b2, out, alpha2, 1f);
    }

    /**
     * Two narrow products over one wide matrix x [M, K]: xn = x @ n with n [K, r] (overwritten; skipped
     * when xn and n are null) and accumulate [K, r] += scale * xᵀ @ h with h [M, r]. Outputs are F32 or
     * x's dtype. A LoRA layer's backward needs both from its output gradient g (g·B and dB = s·gᵀ·h), and
     * dA = s·xᵀ·(g·B) is the second alone; backends that read x once for both override this. The default
     * is two calls of {@link #matmul}.
     */
    default void narrowProducts(Tensor x, Tensor n, Tensor xn, Tensor h, float scale, Tensor accumulate) {
        narrowProducts(x, n, xn, h, scale, accumulate, 1f);
    }

    /**
     * As {@link #narrowProducts(Tensor, Tensor, Tensor, Tensor, float, Tensor)} with d = beta·d + scale·xᵀ·h;
     * beta 0 overwrites d without reading it (a fresh gradient needs no zero fill first).
     */
    default void narrowProducts(Tensor x, Tensor n, Tensor xn, Tensor h, float scale, Tensor d, float beta) {
        if (xn != null) matmul(x, n, xn, 1f, 0f);
        matmul(x.mT(), h, d, scale, beta);
    }

    /** out = x converted to out's dtype (round to nearest even for narrowing floats, truncation toward 0 for float to int). */
    void cast(Tensor x, Tensor out);

    /** out = x element by element; same shape and dtype, any strides on both sides. */
    void copy(Tensor x, Tensor out);

    /** Every element of out = value (converted to out's dtype). */
    void fill(Tensor out, double value);

    /**
     * torch.gather: out[i][j][k] = x[index[i][j][k]][j][k] for axis 0, and likewise for other axes.
     * index is I32 or I64 with out's shape; an index outside x's axis throws naming it.
     */
    void gather(Tensor x, int axis, Tensor index, Tensor out);

    /** torch.scatter_add_: out[index[i][j][k]][j][k] += src[i][j][k] for axis 0, and likewise. */
    void scatterAdd(Tensor out, int axis, Tensor index, Tensor src);

    /** Fills out with random numbers; the same seed gives the same numbers on every backend. */
    void random(RandomKind kind, long seed, double a, double b, Tensor out);

    /**
     * Copies {@code dst.numel()} elements' bytes from host memory {@code src}, starting at byte
     * {@code srcByteOffset}, into the contiguous tensor {@code dst} of this backend. Host-memory backends
     * (the default) copy directly; accelerator backends upload, and return once the copy is done.
     */
    default void copyFromHost(MemorySegment src, long srcByteOffset, Tensor dst) {
        requireHostCopy("copyFromHost", dst);
        long bytes = dst.numel() * dst.dtype().byteSize();
        MemorySegment.copy(src, srcByteOffset, dst.storage().segment(), dst.layout().offset() * dst.dtype().byteSize(), bytes);
    }

    /**
     * Copies the bytes of the contiguous tensor {@code src} of this backend into host memory {@code dst},
     * starting at byte {@code dstByteOffset}. Host-memory backends (the default) copy directly;
     * accelerator backends download, and return once the bytes are in {@code dst}.
     */
    default void copyToHost(Tensor src, MemorySegment dst, long dstByteOffset) {
        requireHostCopy("copyToHost", src);
        long bytes = src.numel() * src.dtype().byteSize();
        MemorySegment.copy(src.storage().segment(), src.layout().offset() * src.dtype().byteSize(), dst, dstByteOffset, bytes);
    }

    private void requireHostCopy(String op, Tensor t) {
        if (device().kind() != Device.Kind.CPU) {
            throw new UnsupportedOperationException(name() + " on " + device() + " must implement " + op + " (the default copies host memory)");
        }
        if (!t.isContiguous()) throw new IllegalArgumentException(op + ": tensor " + t.shape() + " " + t.dtype() + " is not contiguous");
    }

    /** Fused kernels this backend offers; callers fall back to primitives when absent. */
    default Optional<FusedOps> fused() { return Optional.empty(); }

    /** Fused 4-bit (NF4 / FP4) weight products; callers dequantize and use {@link #matmul} when absent. */
    default Optional<FourBitOps> fourBit() { return Optional.empty(); }

    /** Releases threads, caches and device resources. Idempotent: a second close does nothing. */
    @Override
    void close();
}
