package dev.hone.cpu;

import dev.hone.cpu.kernels.Activations;
import dev.hone.cpu.kernels.Elementwise;
import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.DType;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.BinaryOp;
import dev.hone.tensor.spi.CompareOp;
import dev.hone.tensor.spi.UnaryOp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The elementwise primitives (unary, binary, compare, where, cast between floating formats) for F32,
 * BF16 and F16 views: each chunk of a {@link Walk} is loaded into F32 working arrays (contiguous runs
 * by vector conversion, broadcast runs by fill, other strides by scalar gather), computed by one small
 * vector kernel, and stored back. Callers ({@link CpuBackend}) route other dtypes elsewhere.
 */
final class ElementwiseOps {
    private final WorkerPool pool;

    ElementwiseOps(WorkerPool pool) { this.pool = pool; }

    void unary(UnaryOp op, Tensor x, Tensor out) {
        Walk w = Walk.of(out.layout(), x.layout());
        MemorySegment xs = x.storage().segment(), os = out.storage().segment();
        DType xt = x.dtype(), ot = out.dtype();
        Chunks.forEach(pool, w, () -> {
            float[] buf = new float[Chunks.CHUNK];
            return (row, col, n) -> {
                HostIo.load(xs, xt, w.start(1, row, col), w.colStride(1), buf, 0, n);
                applyUnary(op, buf, n);
                HostIo.store(buf, 0, n, os, ot, w.start(0, row, col), w.colStride(0));
            };
        });
    }

    private static void applyUnary(UnaryOp op, float[] v, int n) {
        switch (op) {
            case NEG -> Activations.neg(v, v, n);
            case ABS -> Activations.abs(v, v, n);
            case EXP -> Activations.exp(v, v, n);
            case LOG -> Activations.log(v, v, n);
            case SQRT -> Activations.sqrt(v, v, n);
            case RSQRT -> Activations.rsqrt(v, v, n);
            case RECIPROCAL -> Activations.reciprocal(v, v, n);
            case SQUARE -> Activations.square(v, v, n);
            case TANH -> Activations.tanh(v, v, n);
            case SIGMOID -> Activations.sigmoid(v, v, n);
            case SILU -> Activations.silu(v, v, n);
            case GELU_TANH -> Activations.geluTanh(v, v, n);
            case RELU -> Activations.relu(v, v, n);
            case SIN -> Activations.sin(v, v, n);
            case COS -> Activations.cos(v, v, n);
        }
    }

    void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        Walk w = Walk.of(out.layout(), a.layout(), b.layout());
        MemorySegment as = a.storage().segment(), bs = b.storage().segment(), os = out.storage().segment();
        DType t = out.dtype();
        Chunks.forEach(pool, w, () -> {
            float[] x = new float[Chunks.CHUNK], y = new float[Chunks.CHUNK];
            return (row, col, n) -> {
                HostIo.load(as, a.dtype(), w.start(1, row, col), w.colStride(1), x, 0, n);
                HostIo.load(bs, b.dtype(), w.start(2, row, col), w.colStride(2), y, 0, n);
                applyBinary(op, x, y, n);
                HostIo.store(x, 0, n, os, t, w.start(0, row, col), w.colStride(0));
            };
        });
    }

    private static void applyBinary(BinaryOp op, float[] x, float[] y, int n) {
        switch (op) {
            case ADD -> Elementwise.add(x, y, x, n);
            case SUB -> Elementwise.sub(x, y, x, n);
            case MUL -> Elementwise.mul(x, y, x, n);
            case DIV -> Elementwise.div(x, y, x, n);
            case MAX -> Elementwise.max(x, y, x, n);
            case MIN -> Elementwise.min(x, y, x, n);
            case POW -> Elementwise.pow(x, y, x, n);
        }
    }

    void compare(CompareOp op, Tensor a, Tensor b, Tensor out) {
        Walk w = Walk.of(out.layout(), a.layout(), b.layout());
        MemorySegment as = a.storage().segment(), bs = b.storage().segment(), os = out.storage().segment();
        Chunks.forEach(pool, w, () -> {
            float[] x = new float[Chunks.CHUNK], y = new float[Chunks.CHUNK];
            return (row, col, n) -> {
                HostIo.load(as, a.dtype(), w.start(1, row, col), w.colStride(1), x, 0, n);
                HostIo.load(bs, b.dtype(), w.start(2, row, col), w.colStride(2), y, 0, n);
                storeComparison(op, x, y, n, os, w.start(0, row, col), w.colStride(0));
            };
        });
    }

    private static void storeComparison(CompareOp op, float[] x, float[] y, int n, MemorySegment out, long start, long stride) {
        for (int i = 0; i < n; i++) {
            boolean r = switch (op) {
                case EQ -> x[i] == y[i];
                case NE -> x[i] != y[i];
                case LT -> x[i] < y[i];
                case LE -> x[i] <= y[i];
                case GT -> x[i] > y[i];
                case GE -> x[i] >= y[i];
            };
            out.set(ValueLayout.JAVA_BYTE, start + i * stride, (byte) (r ? 1 : 0));
        }
    }

    void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        Walk w = Walk.of(out.layout(), a.layout(), b.layout(), cond.layout());
        MemorySegment as = a.storage().segment(), bs = b.storage().segment(), os = out.storage().segment();
        MemorySegment cs = cond.storage().segment();
        Chunks.forEach(pool, w, () -> {
            float[] x = new float[Chunks.CHUNK], y = new float[Chunks.CHUNK];
            return (row, col, n) -> {
                HostIo.load(as, a.dtype(), w.start(1, row, col), w.colStride(1), x, 0, n);
                HostIo.load(bs, b.dtype(), w.start(2, row, col), w.colStride(2), y, 0, n);
                select(cs, w.start(3, row, col), w.colStride(3), x, y, n);
                HostIo.store(x, 0, n, os, out.dtype(), w.start(0, row, col), w.colStride(0));
            };
        });
    }

    /** x[i] = cond[i] ? x[i] : y[i]. */
    private static void select(MemorySegment cond, long start, long stride, float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            if (cond.get(ValueLayout.JAVA_BYTE, start + i * stride) == 0) x[i] = y[i];
        }
    }

    /** Conversion between F32, BF16 and F16 (load in one format, store in the other). */
    void cast(Tensor x, Tensor out) {
        Walk w = Walk.of(out.layout(), x.layout());
        MemorySegment xs = x.storage().segment(), os = out.storage().segment();
        Chunks.forEach(pool, w, () -> {
            float[] buf = new float[Chunks.CHUNK];
            return (row, col, n) -> {
                HostIo.load(xs, x.dtype(), w.start(1, row, col), w.colStride(1), buf, 0, n);
                HostIo.store(buf, 0, n, os, out.dtype(), w.start(0, row, col), w.colStride(0));
            };
        });
    }
}
