package dev.hone.tensor.ops;

import dev.hone.tensor.DType;
import dev.hone.tensor.Device;
import dev.hone.tensor.MemoryStats;
import dev.hone.tensor.Storage;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.reference.ReferenceBackend;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.BinaryOp;
import dev.hone.tensor.spi.CompareOp;
import dev.hone.tensor.spi.RandomKind;
import dev.hone.tensor.spi.ReduceOp;
import dev.hone.tensor.spi.UnaryOp;

/**
 * The reference backend's primitives with its fused kernels hidden ({@link #fused()} is empty), so
 * {@code Ops.fused} falls back to {@link CompositeFusedOps}: a backend for testing the composite.
 */
final class PrimitivesOnlyBackend implements Backend {
    private final ReferenceBackend primitives = new ReferenceBackend();

    @Override public String name() { return "reference-primitives-only"; }
    @Override public Device device() { return primitives.device(); }
    @Override public Storage allocate(DType dtype, long numel) { return primitives.allocate(dtype, numel); }
    @Override public MemoryStats memoryStats() { return primitives.memoryStats(); }
    @Override public void unary(UnaryOp op, Tensor x, Tensor out) { primitives.unary(op, x, out); }
    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) { primitives.binary(op, a, b, out); }
    @Override public void compare(CompareOp op, Tensor a, Tensor b, Tensor out) { primitives.compare(op, a, b, out); }
    @Override public void where(Tensor cond, Tensor a, Tensor b, Tensor out) { primitives.where(cond, a, b, out); }
    @Override public void reduce(ReduceOp op, Tensor x, int[] axes, Tensor out) { primitives.reduce(op, x, axes, out); }
    @Override public void matmul(Tensor a, Tensor b, Tensor out, float alpha, float beta) { primitives.matmul(a, b, out, alpha, beta); }
    @Override public void cast(Tensor x, Tensor out) { primitives.cast(x, out); }
    @Override public void copy(Tensor x, Tensor out) { primitives.copy(x, out); }
    @Override public void fill(Tensor out, double value) { primitives.fill(out, value); }
    @Override public void gather(Tensor x, int axis, Tensor index, Tensor out) { primitives.gather(x, axis, index, out); }
    @Override public void scatterAdd(Tensor out, int axis, Tensor index, Tensor src) { primitives.scatterAdd(out, axis, index, src); }
    @Override public void random(RandomKind kind, long seed, double a, double b, Tensor out) { primitives.random(kind, seed, a, b, out); }
    @Override public void close() { primitives.close(); }
}
