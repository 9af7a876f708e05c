package dev.hone.tensor.testkit;

import dev.hone.tensor.DType;
import dev.hone.tensor.Device;
import dev.hone.tensor.MemoryStats;
import dev.hone.tensor.Storage;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.BinaryOp;
import dev.hone.tensor.spi.CompareOp;
import dev.hone.tensor.spi.RandomKind;
import dev.hone.tensor.spi.ReduceOp;
import dev.hone.tensor.spi.UnaryOp;

import java.lang.foreign.MemorySegment;

/**
 * An accelerator simulated in host memory, for testing without a GPU that code keeps tensors where they
 * belong: its storages say they live on {@link #DEVICE} (cuda:7), so Java cannot read their elements
 * ({@code Tensor.getDouble} and friends throw, as on a real GPU), host tensors handed to its ops are refused
 * with the op's name, and data moves only through {@link #copyFromHost} and {@link #copyToHost}, which it
 * counts. The arithmetic is the host {@code delegate}'s primitives over the same memory; it offers no fused
 * kernels, so callers take their composite paths.
 */
public final class SimulatedDeviceBackend implements Backend {
    public static final Device DEVICE = Device.cuda(7);

    private final Backend delegate;
    private long uploads;
    private long downloads;

    public SimulatedDeviceBackend(Backend delegate) {
        if (delegate.device().kind() != Device.Kind.CPU) throw new IllegalArgumentException("the delegate must compute in host memory, got " + delegate.device());
        this.delegate = delegate;
    }

    /** Host-to-device copies so far. */
    public long uploads() { return uploads; }

    /** Device-to-host copies so far (each one a synchronisation point on a real GPU). */
    public long downloads() { return downloads; }

    @Override public String name() { return "simulated-device(" + delegate.name() + ")"; }

    @Override public Device device() { return DEVICE; }

    @Override
    public Storage allocate(DType dtype, long numel) {
        Storage host = delegate.allocate(dtype, numel);
        return new Storage(host.segment(), dtype, numel, DEVICE, s -> host.release());
    }

    @Override public MemoryStats memoryStats() { return delegate.memoryStats(); }

    @Override
    public void copyFromHost(MemorySegment src, long srcByteOffset, Tensor dst) {
        Tensor d = host("copyFromHost", dst);
        uploads++;
        MemorySegment.copy(src, srcByteOffset, d.storage().segment(), d.layout().offset() * d.dtype().byteSize(), d.numel() * d.dtype().byteSize());
    }

    @Override
    public void copyToHost(Tensor src, MemorySegment dst, long dstByteOffset) {
        Tensor s = host("copyToHost", src);
        downloads++;
        MemorySegment.copy(s.storage().segment(), s.layout().offset() * s.dtype().byteSize(), dst, dstByteOffset, s.numel() * s.dtype().byteSize());
    }

    @Override public void unary(UnaryOp op, Tensor x, Tensor out) { delegate.unary(op, host("unary", x), host("unary", out)); }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) { delegate.binary(op, host("binary", a), host("binary", b), host("binary", out)); }

    @Override
    public void compare(CompareOp op, Tensor a, Tensor b, Tensor out) { delegate.compare(op, host("compare", a), host("compare", b), host("compare", out)); }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) { delegate.where(host("where", cond), host("where", a), host("where", b), host("where", out)); }

    @Override public void reduce(ReduceOp op, Tensor x, int[] axes, Tensor out) { delegate.reduce(op, host("reduce", x), axes, host("reduce", out)); }

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out, float alpha, float beta) {
        delegate.matmul(host("matmul", a), host("matmul", b), host("matmul", out), alpha, beta);
    }

    @Override public void cast(Tensor x, Tensor out) { delegate.cast(host("cast", x), host("cast", out)); }

    @Override public void copy(Tensor x, Tensor out) { delegate.copy(host("copy", x), host("copy", out)); }

    @Override public void fill(Tensor out, double value) { delegate.fill(host("fill", out), value); }

    @Override
    public void gather(Tensor x, int axis, Tensor index, Tensor out) { delegate.gather(host("gather", x), axis, host("gather", index), host("gather", out)); }

    @Override
    public void scatterAdd(Tensor out, int axis, Tensor index, Tensor src) {
        delegate.scatterAdd(host("scatterAdd", out), axis, host("scatterAdd", index), host("scatterAdd", src));
    }

    @Override public void random(RandomKind kind, long seed, double a, double b, Tensor out) { delegate.random(kind, seed, a, b, host("random", out)); }

    /** Closes nothing: the caller owns the delegate. */
    @Override public void close() { }

    /** The same memory seen as a host tensor of the delegate, after checking that {@code t} lives on this device. */
    private Tensor host(String op, Tensor t) {
        if (!t.device().equals(DEVICE)) {
            throw new IllegalArgumentException(op + ": tensor " + t.shape() + " " + t.dtype() + " is on " + t.device() + ", this backend is " + DEVICE);
        }
        Storage s = t.storage();
        return Tensor.wrap(new Storage(s.segment(), s.dtype(), s.numel(), Device.CPU, Storage.Releaser.NONE), t.layout(), delegate);
    }
}
