package dev.hone.tensor.reference;

import dev.hone.tensor.CounterRandom;
import dev.hone.tensor.DType;
import dev.hone.tensor.Device;
import dev.hone.tensor.HostMemoryPool;
import dev.hone.tensor.MemoryStats;
import dev.hone.tensor.Storage;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.BinaryOp;
import dev.hone.tensor.spi.CompareOp;
import dev.hone.tensor.spi.FusedOps;
import dev.hone.tensor.spi.RandomKind;
import dev.hone.tensor.spi.ReduceOp;
import dev.hone.tensor.spi.RopeStyle;
import dev.hone.tensor.spi.UnaryOp;

import java.util.Arrays;
import java.util.Optional;

/**
 * The scalar reference backend: the oracle every other backend is tested against. Plain loops over
 * row-major element order for any strides and offsets, every value computed in double precision
 * (integers in long) and rounded once to the output dtype. Clarity over speed: operands are read whole
 * into Java arrays ({@link HostValues}), computed on, and written back. Memory comes from a
 * {@link HostMemoryPool} owned by this instance. Semantics are exactly those documented on
 * {@link Backend} and {@link FusedOps}; the scalar definitions live in {@link ScalarMath}, the fused
 * kernels in {@link ReferenceRowKernels} and {@link ReferenceAttention}.
 */
public final class ReferenceBackend implements Backend, FusedOps {
    private static final long DEFAULT_CACHE_BYTES = 64L << 20;

    private final HostMemoryPool pool;

    public ReferenceBackend() { this(new HostMemoryPool(DEFAULT_CACHE_BYTES)); }

    public ReferenceBackend(HostMemoryPool pool) { this.pool = pool; }

    @Override public String name() { return "reference"; }

    @Override public Device device() { return Device.CPU; }

    @Override public Storage allocate(DType dtype, long numel) { return pool.allocate(dtype, numel); }

    @Override public MemoryStats memoryStats() { return pool.stats(); }

    @Override public Optional<FusedOps> fused() { return Optional.of(this); }

    @Override public void close() { pool.close(); }

    private static boolean exactIntegers(DType dtype) { return !dtype.isFloating(); }

    // ---------------------------------------------------------------- elementwise

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor out) {
        if (exactIntegers(x.dtype())) {
            long[] v = HostValues.longs(x);
            for (int i = 0; i < v.length; i++) v[i] = ScalarMath.unary(op, v[i]);
            HostValues.storeLongs(out, v);
            return;
        }
        double[] v = HostValues.doubles(x);
        for (int i = 0; i < v.length; i++) v[i] = ScalarMath.unary(op, v[i]);
        HostValues.store(out, v);
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        if (exactIntegers(a.dtype())) {
            long[] x = HostValues.longs(a), y = HostValues.longs(b);
            for (int i = 0; i < x.length; i++) x[i] = ScalarMath.binary(op, x[i], y[i]);
            HostValues.storeLongs(out, x);
            return;
        }
        double[] x = HostValues.doubles(a), y = HostValues.doubles(b);
        for (int i = 0; i < x.length; i++) x[i] = ScalarMath.binary(op, x[i], y[i]);
        HostValues.store(out, x);
    }

    @Override
    public void compare(CompareOp op, Tensor a, Tensor b, Tensor out) {
        double[] result = new double[Math.toIntExact(out.numel())];
        if (exactIntegers(a.dtype())) {
            long[] x = HostValues.longs(a), y = HostValues.longs(b);
            for (int i = 0; i < result.length; i++) result[i] = ScalarMath.compare(op, x[i], y[i]) ? 1 : 0;
        } else {
            double[] x = HostValues.doubles(a), y = HostValues.doubles(b);
            for (int i = 0; i < result.length; i++) result[i] = ScalarMath.compare(op, x[i], y[i]) ? 1 : 0;
        }
        HostValues.store(out, result);
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        double[] c = HostValues.doubles(cond);
        if (exactIntegers(a.dtype())) {
            long[] x = HostValues.longs(a), y = HostValues.longs(b);
            for (int i = 0; i < x.length; i++) x[i] = c[i] != 0 ? x[i] : y[i];
            HostValues.storeLongs(out, x);
            return;
        }
        double[] x = HostValues.doubles(a), y = HostValues.doubles(b);
        for (int i = 0; i < x.length; i++) x[i] = c[i] != 0 ? x[i] : y[i];
        HostValues.store(out, x);
    }

    // ---------------------------------------------------------------- reductions

    /**
     * Sums in double; MEAN divides by the reduced element count; MAX/MIN propagate NaN; ARGMAX gives the
     * first index of the largest value along its one axis, a NaN counting as largest (as in PyTorch).
     */
    @Override
    public void reduce(ReduceOp op, Tensor x, int[] axes, Tensor out) {
        int[] dims = x.shape().dims();
        int[] outDims = out.shape().dims();
        boolean[] reduced = new boolean[dims.length];
        long count = 1;
        for (int a : axes) {
            reduced[a] = true;
            count *= dims[a];
        }
        double[] v = HostValues.doubles(x);
        int outSize = Math.toIntExact(out.numel());
        double[] acc = new double[outSize];
        long[] argIndex = new long[outSize];
        boolean[] started = new boolean[outSize];
        for (int i = 0; i < v.length; i++) {
            int[] index = HostValues.unravel(i, dims);
            int along = op == ReduceOp.ARGMAX ? index[axes[0]] : 0;
            for (int a = 0; a < dims.length; a++) if (reduced[a]) index[a] = 0;
            int o = (int) HostValues.ravel(index, outDims);
            double value = v[i];
            if (!started[o]) {
                started[o] = true;
                acc[o] = value;
                argIndex[o] = along;
                continue;
            }
            switch (op) {
                case SUM, MEAN -> acc[o] += value;
                case MAX -> acc[o] = Math.max(acc[o], value);
                case MIN -> acc[o] = Math.min(acc[o], value);
                case ARGMAX -> {
                    if (!Double.isNaN(acc[o]) && (value > acc[o] || Double.isNaN(value))) {
                        acc[o] = value;
                        argIndex[o] = along;
                    }
                }
            }
        }
        switch (op) {
            case ARGMAX -> HostValues.storeLongs(out, argIndex);
            case MEAN -> {
                for (int o = 0; o < outSize; o++) acc[o] = started[o] ? acc[o] / count : Double.NaN;
                HostValues.store(out, acc);
            }
            case SUM -> HostValues.store(out, acc);
            case MAX, MIN -> {
                for (int o = 0; o < outSize; o++) {
                    if (!started[o]) acc[o] = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                }
                HostValues.store(out, acc);
            }
        }
    }

    // ---------------------------------------------------------------- matmul

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out, float alpha, float beta) {
        if (out.rank() < 2) throw new IllegalArgumentException("matmul: out must have rank >= 2, got " + out.shape());
        int m = out.dim(-2), n = out.dim(-1), k = a.dim(-1);
        long batches = out.numel() / Math.max(1L, (long) m * n);
        if ((long) m * n == 0) return;
        double[] x = HostValues.doubles(a), y = HostValues.doubles(b);
        double[] result = new double[Math.toIntExact(out.numel())];
        double[] previous = beta == 0 ? null : HostValues.doubles(out);
        for (long batch = 0; batch < batches; batch++) {
            int aBase = Math.toIntExact(batch * m * k), bBase = Math.toIntExact(batch * k * n);
            int oBase = Math.toIntExact(batch * m * n);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) sum += x[aBase + i * k + p] * y[bBase + p * n + j];
                    int o = oBase + i * n + j;
                    result[o] = alpha * sum + (previous == null ? 0 : beta * previous[o]);
                }
            }
        }
        HostValues.store(out, result);
    }

    // ---------------------------------------------------------------- conversion, copy, fill

    @Override
    public void cast(Tensor x, Tensor out) {
        if (exactIntegers(x.dtype()) && exactIntegers(out.dtype()) && out.dtype() != DType.BOOL) {
            HostValues.storeLongs(out, HostValues.longs(x));
        } else {
            HostValues.store(out, HostValues.doubles(x));
        }
    }

    @Override
    public void copy(Tensor x, Tensor out) {
        if (exactIntegers(x.dtype())) HostValues.storeLongs(out, HostValues.longs(x));
        else HostValues.store(out, HostValues.doubles(x));
    }

    @Override
    public void fill(Tensor out, double value) {
        double[] v = new double[Math.toIntExact(out.numel())];
        Arrays.fill(v, value);
        HostValues.store(out, v);
    }

    // ---------------------------------------------------------------- indexing

    @Override
    public void gather(Tensor x, int axis, Tensor index, Tensor out) {
        int[] xDims = x.shape().dims();
        int[] outDims = out.shape().dims();
        long[] idx = HostValues.longs(index);
        int[] sourcePosition = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            int[] at = HostValues.unravel(i, outDims);
            at[axis] = checkedIndex("gather", idx[i], axis, xDims, x);
            sourcePosition[i] = (int) HostValues.ravel(at, xDims);
        }
        if (exactIntegers(x.dtype())) {
            long[] source = HostValues.longs(x);
            long[] result = new long[idx.length];
            for (int i = 0; i < idx.length; i++) result[i] = source[sourcePosition[i]];
            HostValues.storeLongs(out, result);
        } else {
            double[] source = HostValues.doubles(x);
            double[] result = new double[idx.length];
            for (int i = 0; i < idx.length; i++) result[i] = source[sourcePosition[i]];
            HostValues.store(out, result);
        }
    }

    @Override
    public void scatterAdd(Tensor out, int axis, Tensor index, Tensor src) {
        int[] outDims = out.shape().dims();
        int[] srcDims = src.shape().dims();
        long[] idx = HostValues.longs(index);
        double[] values = HostValues.doubles(src);
        double[] acc = HostValues.doubles(out);
        for (int i = 0; i < idx.length; i++) {
            int[] at = HostValues.unravel(i, srcDims);
            at[axis] = checkedIndex("scatterAdd", idx[i], axis, outDims, out);
            acc[(int) HostValues.ravel(at, outDims)] += values[i];
        }
        HostValues.store(out, acc);
    }

    private static int checkedIndex(String op, long value, int axis, int[] dims, Tensor target) {
        if (value < 0 || value >= dims[axis]) {
            throw new IndexOutOfBoundsException(op + ": index " + value + " out of range for axis " + axis + " of size "
                    + dims[axis] + " (tensor shape " + target.shape() + ")");
        }
        return (int) value;
    }

    // ---------------------------------------------------------------- random

    @Override
    public void random(RandomKind kind, long seed, double a, double b, Tensor out) {
        double[] v = new double[Math.toIntExact(out.numel())];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (kind) {
                case UNIFORM -> CounterRandom.uniform(seed, i, a, b);
                case NORMAL -> CounterRandom.normal(seed, i, a, b);
                case BERNOULLI -> CounterRandom.bernoulli(seed, i, a);
            };
        }
        HostValues.store(out, v);
    }

    // ---------------------------------------------------------------- fused ops (direct loops)

    @Override public void softmax(Tensor x, Tensor y) { ReferenceRowKernels.softmax(x, y); }

    @Override public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) { ReferenceRowKernels.softmaxBackward(y, dy, dx); }

    @Override public void logSoftmax(Tensor x, Tensor y) { ReferenceRowKernels.logSoftmax(x, y); }

    @Override public void logSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) { ReferenceRowKernels.logSoftmaxBackward(y, dy, dx); }

    @Override
    public void crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor loss, Tensor lse) {
        ReferenceRowKernels.crossEntropy(logits, targets, ignoreIndex, loss, lse);
    }

    @Override
    public void crossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor lse, Tensor dloss, Tensor dlogits) {
        ReferenceRowKernels.crossEntropyBackward(logits, targets, ignoreIndex, lse, dloss, dlogits);
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor y, Tensor rstd) { ReferenceRowKernels.rmsNorm(x, weight, eps, y, rstd); }

    @Override
    public void rmsNormBackward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dweightAccumulate) {
        ReferenceRowKernels.rmsNormBackward(x, weight, rstd, dy, dx, dweightAccumulate);
    }

    @Override
    public void layerNorm(Tensor x, Tensor weight, Tensor bias, float eps, Tensor y, Tensor mean, Tensor rstd) {
        ReferenceRowKernels.layerNorm(x, weight, bias, eps, y, mean, rstd);
    }

    @Override
    public void layerNormBackward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dy, Tensor dx,
                                  Tensor dweightAccumulate, Tensor dbiasAccumulate) {
        ReferenceRowKernels.layerNormBackward(x, weight, mean, rstd, dy, dx, dweightAccumulate, dbiasAccumulate);
    }

    @Override public void geluTanhBackward(Tensor x, Tensor dy, Tensor dx) { ReferenceRowKernels.geluTanhBackward(x, dy, dx); }

    @Override public void swiglu(Tensor gate, Tensor up, Tensor y) { ReferenceRowKernels.swiglu(gate, up, y); }

    @Override
    public void swigluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dgate, Tensor dup) {
        ReferenceRowKernels.swigluBackward(gate, up, dy, dgate, dup);
    }

    @Override
    public void rope(Tensor x, Tensor cos, Tensor sin, Tensor positions, RopeStyle style, boolean inverse, Tensor y) {
        ReferenceRowKernels.rope(x, cos, sin, positions, style, inverse, y);
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments, Tensor out, Tensor lse) {
        ReferenceAttention.forward(q, k, v, scale, causal, segments, out, lse);
    }

    @Override
    public void attentionBackward(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments,
                                  Tensor out, Tensor lse, Tensor dout, Tensor dq, Tensor dk, Tensor dv) {
        ReferenceAttention.backward(q, k, v, scale, causal, segments, out, lse, dout, dq, dk, dv);
    }

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, long step) {
        ReferenceRowKernels.adamw(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step);
    }

    @Override
    public String toString() { return "ReferenceBackend"; }
}
