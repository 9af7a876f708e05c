package dev.hone.cpu;

import dev.hone.cpu.gemm.Gemm;
import dev.hone.cpu.kernels.AdamW;
import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.cpu.quant.FourBitTensorKernels;
import dev.hone.cpu.quant.FourBitWeight;
import dev.hone.cpu.quant.TileBuffers;
import dev.hone.tensor.DType;
import dev.hone.tensor.Device;
import dev.hone.tensor.HostMemoryPool;
import dev.hone.tensor.MemoryStats;
import dev.hone.tensor.Storage;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.reference.ReferenceBackend;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.BinaryOp;
import dev.hone.tensor.spi.CompareOp;
import dev.hone.tensor.spi.FourBitOps;
import dev.hone.tensor.spi.FusedOps;
import dev.hone.tensor.spi.RandomKind;
import dev.hone.tensor.spi.ReduceOp;
import dev.hone.tensor.spi.RopeStyle;
import dev.hone.tensor.spi.UnaryOp;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * The multithreaded Vector API backend for host memory. Owns a {@link WorkerPool} (threads: the
 * constructor argument, else the system property {@code hone.threads}, else the available processors),
 * a {@link Gemm} on that pool and a {@link HostMemoryPool}; {@link #close()} releases all three.
 *
 * <p>F32, BF16 and F16 run on vector kernels (16-bit formats are widened to F32 working arrays and
 * accumulate in F32). Copy, fill and gather move raw bytes and serve every dtype. Everything else (F64, the
 * integer dtypes and BOOL as data in arithmetic, integer scatterAdd, random) delegates to an internal
 * {@link ReferenceBackend}, which gives the same numbers (random draws in particular) by construction.
 * Calls may come from several threads, but one parallel loop runs at a time (see {@link WorkerPool}).
 */
public final class CpuBackend implements Backend, FusedOps {
    /** System property naming the worker thread count. */
    public static final String THREADS_PROPERTY = "hone.threads";
    private static final long DEFAULT_CACHE_BYTES = 2L << 30;

    private final WorkerPool pool;
    private final HostMemoryPool memory;
    private final ReferenceBackend reference = new ReferenceBackend();
    private final ElementwiseOps elementwise;
    private final CopyOps copies;
    private final ReduceOps reductions;
    private final IndexOps indexing;
    private final Gemm gemm;
    private final TileBuffers fourBitTiles = new TileBuffers();
    private final MatmulOps matmuls;
    private final SoftmaxOps softmaxes;
    private final RmsNormOps rmsNorms;
    private final LayerNormOps layerNorms;
    private final PointwiseFusedOps pointwise;
    private final RopeOps ropes;
    private final AttentionOps attentions;

    public CpuBackend() { this(defaultThreads()); }

    public CpuBackend(int threads) { this(threads, DEFAULT_CACHE_BYTES); }

    public CpuBackend(int threads, long cacheLimitBytes) {
        this.pool = new WorkerPool(threads);
        this.memory = new HostMemoryPool(cacheLimitBytes);
        this.elementwise = new ElementwiseOps(pool);
        this.copies = new CopyOps(pool);
        this.reductions = new ReduceOps(pool);
        this.indexing = new IndexOps(pool);
        this.gemm = new Gemm(pool);
        this.matmuls = new MatmulOps(gemm, this, elementwise);
        this.softmaxes = new SoftmaxOps(pool);
        this.rmsNorms = new RmsNormOps(pool);
        this.layerNorms = new LayerNormOps(pool);
        this.pointwise = new PointwiseFusedOps(pool);
        this.ropes = new RopeOps(pool);
        this.attentions = new AttentionOps(pool, n -> memory.allocate(DType.F32, n));
    }

    private static int defaultThreads() {
        String configured = System.getProperty(THREADS_PROPERTY);
        if (configured == null || configured.isBlank()) return Runtime.getRuntime().availableProcessors();
        try {
            int n = Integer.parseInt(configured.trim());
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("cpu backend: system property " + THREADS_PROPERTY + "='" + configured
                + "' is not a positive integer");
    }

    public int threads() { return pool.threads(); }

    @Override public String name() { return "cpu"; }

    @Override public Device device() { return Device.CPU; }

    @Override public Storage allocate(DType dtype, long numel) { return memory.allocate(dtype, numel); }

    @Override public MemoryStats memoryStats() { return memory.stats(); }

    @Override public Optional<FusedOps> fused() { return Optional.of(this); }

    @Override public Optional<FourBitOps> fourBit() { return Optional.of(new FourBitKernels(pool, gemm, fourBitTiles)); }

    @Override
    public void close() {
        pool.close();
        memory.close();
        reference.close();
    }

    private static boolean vectorized(Tensor... tensors) {
        for (Tensor t : tensors) if (!HostIo.isSupported(t.dtype())) return false;
        return true;
    }

    // ---------------------------------------------------------------- primitives

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor out) {
        if (vectorized(x, out)) elementwise.unary(op, x, out);
        else reference.unary(op, x, out);
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        if (vectorized(a, b, out)) elementwise.binary(op, a, b, out);
        else reference.binary(op, a, b, out);
    }

    @Override
    public void compare(CompareOp op, Tensor a, Tensor b, Tensor out) {
        if (vectorized(a, b) && out.dtype() == DType.BOOL) elementwise.compare(op, a, b, out);
        else reference.compare(op, a, b, out);
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        if (vectorized(a, b, out) && cond.dtype() == DType.BOOL) elementwise.where(cond, a, b, out);
        else reference.where(cond, a, b, out);
    }

    @Override
    public void reduce(ReduceOp op, Tensor x, int[] axes, Tensor out) {
        boolean outOk = op == ReduceOp.ARGMAX ? out.dtype() == DType.I64 : vectorized(out);
        if (vectorized(x) && outOk) reductions.reduce(op, x, axes, out);
        else reference.reduce(op, x, axes, out);
    }

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out, float alpha, float beta) {
        if (vectorized(a, b, out)) matmuls.matmul(a, b, out, alpha, beta);
        else reference.matmul(a, b, out, alpha, beta);
    }

    @Override
    public void matmulSum(Tensor a1, Tensor b1, float alpha1, Tensor a2, Tensor b2, float alpha2, Tensor out, float beta) {
        if (vectorized(a1, b1, a2, b2, out) && matmuls.matmulSum(a1, b1, alpha1, a2, b2, alpha2, out, beta)) return;
        Backend.super.matmulSum(a1, b1, alpha1, a2, b2, alpha2, out, beta);
    }

    @Override
    public void narrowProducts(Tensor x, Tensor n, Tensor xn, Tensor h, float scale, Tensor d, float beta) {
        boolean vectorized = n == null ? vectorized(x, h, d) : vectorized(x, n, xn, h, d);
        if (vectorized && matmuls.narrowProducts(x, n, xn, h, scale, d, beta)) return;
        Backend.super.narrowProducts(x, n, xn, h, scale, d, beta);
    }

    @Override
    public void cast(Tensor x, Tensor out) {
        if (x.dtype() == out.dtype()) copies.copy(x, out);
        else if (vectorized(x, out)) elementwise.cast(x, out);
        else reference.cast(x, out);
    }

    @Override public void copy(Tensor x, Tensor out) { copies.copy(x, out); }

    @Override public void fill(Tensor out, double value) { copies.fill(out, value); }

    @Override public void gather(Tensor x, int axis, Tensor index, Tensor out) { indexing.gather(x, axis, index, out); }

    @Override
    public void scatterAdd(Tensor out, int axis, Tensor index, Tensor src) {
        if (vectorized(out, src)) indexing.scatterAdd(out, axis, index, src);
        else reference.scatterAdd(out, axis, index, src);
    }

    @Override public void random(RandomKind kind, long seed, double a, double b, Tensor out) { reference.random(kind, seed, a, b, out); }

    // ---------------------------------------------------------------- fused ops

    @Override
    public void softmax(Tensor x, Tensor y) {
        if (vectorized(x, y)) softmaxes.softmax(x, y);
        else reference.softmax(x, y);
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        if (vectorized(y, dy, dx)) softmaxes.softmaxBackward(y, dy, dx);
        else reference.softmaxBackward(y, dy, dx);
    }

    @Override
    public void logSoftmax(Tensor x, Tensor y) {
        if (vectorized(x, y)) softmaxes.logSoftmax(x, y);
        else reference.logSoftmax(x, y);
    }

    @Override
    public void logSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        if (vectorized(y, dy, dx)) softmaxes.logSoftmaxBackward(y, dy, dx);
        else reference.logSoftmaxBackward(y, dy, dx);
    }

    @Override
    public void crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor loss, Tensor lse) {
        if (vectorized(logits, loss, lse)) softmaxes.crossEntropy(logits, targets, ignoreIndex, loss, lse);
        else reference.crossEntropy(logits, targets, ignoreIndex, loss, lse);
    }

    @Override
    public void crossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor lse, Tensor dloss, Tensor dlogits) {
        if (vectorized(logits, lse, dloss, dlogits)) softmaxes.crossEntropyBackward(logits, targets, ignoreIndex, lse, dloss, dlogits);
        else reference.crossEntropyBackward(logits, targets, ignoreIndex, lse, dloss, dlogits);
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor y, Tensor rstd) {
        if (vectorized(x, weight, y, rstd)) rmsNorms.forward(x, weight, eps, y, rstd);
        else reference.rmsNorm(x, weight, eps, y, rstd);
    }

    @Override
    public void rmsNormBackward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dweightAccumulate) {
        boolean dwOk = dweightAccumulate == null || vectorized(dweightAccumulate);
        if (vectorized(x, weight, rstd, dy, dx) && dwOk) rmsNorms.backward(x, weight, rstd, dy, dx, dweightAccumulate);
        else reference.rmsNormBackward(x, weight, rstd, dy, dx, dweightAccumulate);
    }

    @Override
    public void layerNorm(Tensor x, Tensor weight, Tensor bias, float eps, Tensor y, Tensor mean, Tensor rstd) {
        if (vectorized(x, weight, bias, y, mean, rstd)) layerNorms.forward(x, weight, bias, eps, y, mean, rstd);
        else reference.layerNorm(x, weight, bias, eps, y, mean, rstd);
    }

    @Override
    public void layerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dy, Tensor dx,
                                  Tensor dweightAccumulate, Tensor dbiasAccumulate) {
        boolean accumulatorsOk = (dweightAccumulate == null || vectorized(dweightAccumulate))
                && (dbiasAccumulate == null || vectorized(dbiasAccumulate));
        if (vectorized(x, weight, mean, rstd, dy, dx) && accumulatorsOk) {
            layerNorms.backward(x, weight, mean, rstd, dy, dx, dweightAccumulate, dbiasAccumulate);
        } else {
            reference.layerNormBackward(x, weight, mean, rstd, dy, dx, dweightAccumulate, dbiasAccumulate);
        }
    }

    @Override
    public void geluTanhBackward(Tensor x, Tensor dy, Tensor dx) {
        if (vectorized(x, dy, dx)) pointwise.geluTanhBackward(x, dy, dx);
        else reference.geluTanhBackward(x, dy, dx);
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, Tensor y) {
        if (vectorized(gate, up, y)) pointwise.swiglu(gate, up, y);
        else reference.swiglu(gate, up, y);
    }

    @Override
    public void swigluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dgate, Tensor dup) {
        if (vectorized(gate, up, dy, dgate, dup)) pointwise.swigluBackward(gate, up, dy, dgate, dup);
        else reference.swigluBackward(gate, up, dy, dgate, dup);
    }

    @Override
    public void rope(Tensor x, Tensor cos, Tensor sin, Tensor positions, RopeStyle style, boolean inverse, Tensor y) {
        if (vectorized(x, cos, sin, y)) ropes.rope(x, cos, sin, positions, style, inverse, y);
        else reference.rope(x, cos, sin, positions, style, inverse, y);
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments, Tensor out, Tensor lse) {
        if (vectorized(q, k, v, out, lse)) attentions.forward(q, k, v, scale, causal, segments, out, lse);
        else reference.attention(q, k, v, scale, causal, segments, out, lse);
    }

    @Override
    public void attentionBackward(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments,
                                  Tensor out, Tensor lse, Tensor dout, Tensor dq, Tensor dk, Tensor dv) {
        if (vectorized(q, k, v, out, lse, dout, dq, dk, dv)) {
            attentions.backward(q, k, v, scale, causal, segments, out, lse, dout, dq, dk, dv);
        } else {
            reference.attentionBackward(q, k, v, scale, causal, segments, out, lse, dout, dq, dk, dv);
        }
    }

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, long step) {
        if (vectorized(param, grad, m, v)) {
            pointwise.adamw(param, grad, m, v, AdamW.Step.of(lr, beta1, beta2, eps, weightDecay, step));
        } else {
            reference.adamw(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step);
        }
    }

    @Override
    public String toString() { return "CpuBackend(" + pool.threads() + " threads)"; }

    /**
     * {@link FourBitOps} on the fused Vector API kernels ({@link FourBitTensorKernels}) and this backend's
     * pool: F32 / BF16 activations, k a multiple of blocksize. The absmax and code book tensors are read
     * into float arrays per call (n*k/blocksize + 16 floats); the packed codes are read in place.
     */
    private record FourBitKernels(WorkerPool pool, Gemm gemm, TileBuffers tiles) implements FourBitOps {
        @Override
        public boolean supports(DType activations, int n, int k, int blocksize) {
            return (activations == DType.F32 || activations == DType.BF16) && k % blocksize == 0;
        }

        @Override
        public void matmul(Tensor x, Tensor codes, Tensor absmax, Tensor codebook, int n, int k, int blocksize, Tensor y) {
            FourBitTensorKernels.forward(x, weight(codes, absmax, codebook, n, k, blocksize), y, pool, gemm, tiles);
        }

        @Override
        public void inputGradient(Tensor dy, Tensor codes, Tensor absmax, Tensor codebook, int n, int k, int blocksize, Tensor dx) {
            FourBitTensorKernels.inputGradient(dy, weight(codes, absmax, codebook, n, k, blocksize), dx, pool, gemm, tiles);
        }

        /**
         * The kernels' view of the weight: codes and absmax read in place from their storage (no per-call
         * copy of the 4/blocksize bytes per weight of absmax); only a non-contiguous absmax is copied, and
         * the 16-entry codebook. PackedWeight checks the parts (its messages are built only on failure).
         */
        private static FourBitWeight weight(Tensor codes, Tensor absmax, Tensor codebook, int n, int k, int blocksize) {
            PackedWeight parts = new PackedWeight(codes, absmax, codebook, n, k, blocksize);
            if (!codes.isContiguous()) throw new IllegalArgumentException("fourBit: codes of " + parts + " must be contiguous");
            MemorySegment scales = absmax.isContiguous() ? inPlace(absmax) : MemorySegment.ofArray(absmax.toFloatArray());
            return new FourBitWeight(inPlace(codes), scales, codebook.toFloatArray(), n, k, blocksize);
        }

        /** The bytes of contiguous host tensor t, as a slice of its storage. */
        private static MemorySegment inPlace(Tensor t) {
            long width = t.dtype().byteSize();
            return t.storage().segment().asSlice(t.layout().offset() * width, t.numel() * width);
        }
    }
}
