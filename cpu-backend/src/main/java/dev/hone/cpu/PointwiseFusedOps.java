package dev.hone.cpu;

import dev.hone.cpu.kernels.Activations;
import dev.hone.cpu.kernels.AdamW;
import dev.hone.cpu.kernels.Swiglu;
import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * The fused ops that are elementwise over several same-shape tensors: SwiGLU forward and backward, the
 * tanh-GELU backward (dx = dy * gelu'(x) in one pass), and
 * the AdamW step (param, grad, m, v updated in place; m and v F32, param F32 or BF16 with F32 math).
 * Each walks its operands jointly in chunks ({@link Walk}, {@link Chunks}) on F32 working arrays.
 */
final class PointwiseFusedOps {
    private final WorkerPool pool;

    PointwiseFusedOps(WorkerPool pool) { this.pool = pool; }

    void swiglu(Tensor gate, Tensor up, Tensor y) {
        Walk w = Walk.of(y.layout(), gate.layout(), up.layout());
        MemorySegment ys = y.storage().segment(), gs = gate.storage().segment(), us = up.storage().segment();
        Chunks.forEach(pool, w, () -> {
            float[] g = new float[Chunks.CHUNK], u = new float[Chunks.CHUNK];
            return (row, col, n) -> {
                HostIo.load(gs, gate.dtype(), w.start(1, row, col), w.colStride(1), g, 0, n);
                HostIo.load(us, up.dtype(), w.start(2, row, col), w.colStride(2), u, 0, n);
                Swiglu.forward(g, u, g, n);
                HostIo.store(g, 0, n, ys, y.dtype(), w.start(0, row, col), w.colStride(0));
            };
        });
    }

    void swigluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dgate, Tensor dup) {
        Walk w = Walk.of(dgate.layout(), dup.layout(), gate.layout(), up.layout(), dy.layout());
        MemorySegment dgs = dgate.storage().segment(), dus = dup.storage().segment();
        MemorySegment gs = gate.storage().segment(), us = up.storage().segment(), ds = dy.storage().segment();
        Chunks.forEach(pool, w, () -> {
            float[] g = new float[Chunks.CHUNK], u = new float[Chunks.CHUNK], d = new float[Chunks.CHUNK];
            float[] dg = new float[Chunks.CHUNK], du = new float[Chunks.CHUNK];
            return (row, col, n) -> {
                HostIo.load(gs, gate.dtype(), w.start(2, row, col), w.colStride(2), g, 0, n);
                HostIo.load(us, up.dtype(), w.start(3, row, col), w.colStride(3), u, 0, n);
                HostIo.load(ds, dy.dtype(), w.start(4, row, col), w.colStride(4), d, 0, n);
                Swiglu.backward(g, u, d, dg, du, n);
                HostIo.store(dg, 0, n, dgs, dgate.dtype(), w.start(0, row, col), w.colStride(0));
                HostIo.store(du, 0, n, dus, dup.dtype(), w.start(1, row, col), w.colStride(1));
            };
        });
    }

    void geluTanhBackward(Tensor x, Tensor dy, Tensor dx) {
        Walk w = Walk.of(dx.layout(), x.layout(), dy.layout());
        MemorySegment dxs = dx.storage().segment(), xs = x.storage().segment(), ds = dy.storage().segment();
        Chunks.forEach(pool, w, () -> {
            float[] v = new float[Chunks.CHUNK], d = new float[Chunks.CHUNK];
            return (row, col, n) -> {
                HostIo.load(xs, x.dtype(), w.start(1, row, col), w.colStride(1), v, 0, n);
                HostIo.load(ds, dy.dtype(), w.start(2, row, col), w.colStride(2), d, 0, n);
                Activations.geluTanhBackward(v, d, v, n);
                HostIo.store(v, 0, n, dxs, dx.dtype(), w.start(0, row, col), w.colStride(0));
            };
        });
    }

    void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, AdamW.Step step) {
        Walk w = Walk.of(param.layout(), grad.layout(), m.layout(), v.layout());
        MemorySegment ps = param.storage().segment(), gs = grad.storage().segment();
        MemorySegment ms = m.storage().segment(), vs = v.storage().segment();
        Chunks.forEach(pool, w, () -> {
            float[] p = new float[Chunks.CHUNK], g = new float[Chunks.CHUNK];
            float[] mv = new float[Chunks.CHUNK], vv = new float[Chunks.CHUNK];
            return (row, col, n) -> {
                long pAt = w.start(0, row, col), mAt = w.start(2, row, col), vAt = w.start(3, row, col);
                HostIo.load(ps, param.dtype(), pAt, w.colStride(0), p, 0, n);
                HostIo.load(gs, grad.dtype(), w.start(1, row, col), w.colStride(1), g, 0, n);
                HostIo.load(ms, m.dtype(), mAt, w.colStride(2), mv, 0, n);
                HostIo.load(vs, v.dtype(), vAt, w.colStride(3), vv, 0, n);
                AdamW.update(p, g, mv, vv, step, n);
                HostIo.store(p, 0, n, ps, param.dtype(), pAt, w.colStride(0));
                HostIo.store(mv, 0, n, ms, m.dtype(), mAt, w.colStride(2));
                HostIo.store(vv, 0, n, vs, v.dtype(), vAt, w.colStride(3));
            };
        });
    }
}
