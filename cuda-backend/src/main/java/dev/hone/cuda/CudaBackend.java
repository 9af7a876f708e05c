package dev.hone.cuda;

import dev.hone.cuda.blas.GemmPlan;
import dev.hone.cuda.kernel.Indexer;
import dev.hone.cuda.kernel.KernelArg;
import dev.hone.cuda.kernel.LaunchConfig;
import dev.hone.tensor.DType;
import dev.hone.tensor.Device;
import dev.hone.tensor.Elements;
import dev.hone.tensor.Layout;
import dev.hone.tensor.MemoryStats;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Storage;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.BinaryOp;
import dev.hone.tensor.spi.CompareOp;
import dev.hone.tensor.spi.FourBitOps;
import dev.hone.tensor.spi.FusedOps;
import dev.hone.tensor.spi.RandomKind;
import dev.hone.tensor.spi.ReduceOp;
import dev.hone.tensor.spi.UnaryOp;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static dev.hone.cuda.DeviceViews.base;
import static dev.hone.cuda.DeviceViews.sizeSuffix;
import static dev.hone.cuda.DeviceViews.suffix;
import static dev.hone.tensor.DType.BF16;
import static dev.hone.tensor.DType.F16;
import static dev.hone.tensor.DType.F32;
import static dev.hone.tensor.DType.I32;
import static dev.hone.tensor.DType.I64;

/**
 * The CUDA implementation of the Backend SPI on one device. Primitives run as Hone's own PTX kernels
 * (src/main/cuda) over strided views; matmul goes to cuBLAS through {@link GemmPlan}; fused ops live in
 * {@link CudaFusedOps}. All work is queued on one stream, so calls are ordered; results are read back
 * with {@link #toHost}, which synchronises.
 *
 * <p>Moving tensors: {@link #toDevice(Tensor)} copies a CPU tensor to this device and
 * {@link #toHost(Tensor, Backend)} copies a device tensor into storage of a CPU backend; both create
 * their result in the current {@link Scope}. Not thread-safe: use one backend per thread (as scopes are).
 */
public final class CudaBackend implements Backend {
    static final int THREADS = 256;

    final CudaContext ctx;
    private final Device device;
    private final CudaFusedOps fused;
    private final CudaNf4 nf4;
    private final CudaFourBitOps fourBit;

    private CudaBackend(CudaContext ctx) {
        this.ctx = ctx;
        this.device = Device.cuda(ctx.ordinal);
        this.fused = new CudaFusedOps(this);
        this.nf4 = new CudaNf4(this);
        this.fourBit = new CudaFourBitOps(this);
    }

    /** Opens device {@code ordinal}: context, stream, allocator, cuBLAS. */
    public static CudaBackend open(int ordinal) { return new CudaBackend(new CudaContext(ordinal)); }

    @Override public String name() { return "cuda"; }

    @Override public Device device() { return device; }

    /** The device's name as the driver reports it, e.g. "NVIDIA H100 80GB HBM3". */
    public String deviceName() { return ctx.deviceName; }

    /** {free, total} device bytes. */
    public long[] deviceMemoryInfo() { ctx.makeCurrent(); return ctx.memoryInfo(); }

    @Override
    public Storage allocate(DType dtype, long numel) {
        ctx.makeCurrent();
        long bytes = Math.multiplyExact(numel, (long) dtype.byteSize());
        long address = ctx.allocator.allocate(bytes);
        return new Storage(MemorySegment.ofAddress(address), dtype, numel, device, s -> ctx.allocator.release(Storage.segmentForRelease(s).address()));
    }

    @Override public MemoryStats memoryStats() { return ctx.allocator.stats(); }

    @Override public Optional<FusedOps> fused() { return Optional.of(fused); }

    @Override public Optional<FourBitOps> fourBit() { return Optional.of(fourBit); }

    /** NF4 dequantization and the fused NF4 GEMV (for the quant module's decoding path). */
    public CudaNf4 nf4() { return nf4; }

    /** Waits until every queued kernel and copy has finished. */
    public void synchronize() { ctx.makeCurrent(); ctx.synchronize(); }

    // ---------------------------------------------------------------- moving tensors between host and device

    /** A contiguous copy of the CPU tensor {@code host} on this device, owned by the current scope ({@code host.to(this)}). */
    public Tensor toDevice(Tensor host) {
        if (host.device().kind() != Device.Kind.CPU) throw new IllegalArgumentException("toDevice: tensor " + host.shape() + " is on " + host.device() + ", not on the CPU");
        return host.to(this);
    }

    /** A contiguous copy of the device tensor {@code t} in memory of the CPU backend {@code hostBackend}, owned by the current scope. */
    public Tensor toHost(Tensor t, Backend hostBackend) {
        DeviceViews.requireCuda("toHost", t, ctx.ordinal);
        if (hostBackend.device().kind() != Device.Kind.CPU) throw new IllegalArgumentException("toHost: target backend " + hostBackend.name() + " is not a CPU backend");
        return t.to(hostBackend);
    }

    /** Uploads through the pinned staging buffer; returns when the bytes are on the device. */
    @Override
    public void copyFromHost(MemorySegment src, long srcByteOffset, Tensor dst) {
        requireContiguousHere("copyFromHost", dst);
        ctx.makeCurrent();
        long bytes = dst.numel() * dst.dtype().byteSize();
        if (bytes > 0) ctx.copyToDevice(src, srcByteOffset, DeviceViews.first(dst), bytes);
    }

    /** Downloads after the work queued before it, through the pinned staging buffer; returns when the bytes are in {@code dst}. */
    @Override
    public void copyToHost(Tensor src, MemorySegment dst, long dstByteOffset) {
        requireContiguousHere("copyToHost", src);
        ctx.makeCurrent();
        long bytes = src.numel() * src.dtype().byteSize();
        if (bytes > 0) ctx.copyToHost(DeviceViews.first(src), dst, dstByteOffset, bytes);
    }

    private void requireContiguousHere(String op, Tensor t) {
        DeviceViews.requireCuda(op, t, ctx.ordinal);
        if (!t.isContiguous()) throw new IllegalArgumentException(op + ": tensor " + t.shape() + " " + t.dtype() + " is not contiguous");
    }

    // ---------------------------------------------------------------- elementwise primitives

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor out) {
        boolean integerOk = op == UnaryOp.NEG || op == UnaryOp.ABS;
        if (integerOk) DeviceViews.requireDtype("unary " + op, x, F32, BF16, F16, I32, I64);
        else DeviceViews.requireDtype("unary " + op, x, F32, BF16, F16);
        elementwise("elementwise", "unary_" + suffix(x.dtype()), out, List.of(KernelArg.i32(op.ordinal())), x);
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        DeviceViews.requireDtype("binary " + op, a, F32, BF16, F16, I32, I64);
        elementwise("elementwise", "binary_" + suffix(a.dtype()), out, List.of(KernelArg.i32(op.ordinal())), a, b);
    }

    @Override
    public void compare(CompareOp op, Tensor a, Tensor b, Tensor out) {
        DeviceViews.requireDtype("compare " + op, a, F32, BF16, F16, I32, I64);
        elementwise("elementwise", "compare_" + suffix(a.dtype()), out, List.of(KernelArg.i32(op.ordinal())), a, b);
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        elementwise("elementwise", "where_" + sizeSuffix(out.dtype()), out, List.of(), cond, a, b);
    }

    @Override
    public void cast(Tensor x, Tensor out) {
        if (x.dtype() == out.dtype()) { copy(x, out); return; }
        elementwise("elementwise", "cast_" + suffix(x.dtype()) + "_" + suffix(out.dtype()), out, List.of(), x);
    }

    @Override
    public void copy(Tensor x, Tensor out) {
        if (x.isContiguous() && out.isContiguous() && x.storage() != out.storage()) {
            ctx.makeCurrent();
            long bytes = x.numel() * x.dtype().byteSize();
            if (bytes > 0) ctx.copyDeviceToDevice(DeviceViews.first(x), DeviceViews.first(out), bytes);
            return;
        }
        elementwise("elementwise", "copy_" + sizeSuffix(out.dtype()), out, List.of(), x);
    }

    @Override
    public void fill(Tensor out, double value) {
        long[] bits = new long[1];
        Elements.write(MemorySegment.ofArray(bits), out.dtype(), 0, value);
        DeviceViews.requireCuda("fill", out, ctx.ordinal);
        long n = out.numel();
        if (n == 0) return;
        ctx.makeCurrent();
        launch("elementwise", "fill_" + sizeSuffix(out.dtype()), LaunchConfig.linear(n, THREADS),
                List.of(Indexer.of(out.shape(), out.layout()), KernelArg.i64(n), KernelArg.ptr(base(out)), KernelArg.i64(bits[0])));
    }

    @Override
    public void random(RandomKind kind, long seed, double a, double b, Tensor out) {
        DeviceViews.requireDtype("random " + kind, out, F32, BF16, F16, DType.F64);
        DeviceViews.requireCuda("random", out, ctx.ordinal);
        long n = out.numel();
        if (n == 0) return;
        ctx.makeCurrent();
        launch("random", "random_" + suffix(out.dtype()), LaunchConfig.linear(n, THREADS),
                List.of(KernelArg.i32(kind.ordinal()), KernelArg.i64(seed), KernelArg.f64(a), KernelArg.f64(b),
                        Indexer.of(out.shape(), out.layout()), KernelArg.i64(n), KernelArg.ptr(base(out))));
    }

    /** Launches an Indexer kernel: (leading..., Indexer(out, inputs...), n, out, inputs...). */
    private void elementwise(String family, String kernel, Tensor out, List<KernelArg> leading, Tensor... inputs) {
        DeviceViews.requireCuda(kernel, out, ctx.ordinal);
        for (Tensor t : inputs) DeviceViews.requireCuda(kernel, t, ctx.ordinal);
        long n = out.numel();
        if (n == 0) return;
        ctx.makeCurrent();
        Layout[] layouts = new Layout[inputs.length + 1];
        layouts[0] = out.layout();
        for (int i = 0; i < inputs.length; i++) layouts[i + 1] = inputs[i].layout();
        List<KernelArg> args = new ArrayList<>(leading);
        args.add(Indexer.of(out.shape(), layouts));
        args.add(KernelArg.i64(n));
        args.add(KernelArg.ptr(base(out)));
        for (Tensor t : inputs) args.add(KernelArg.ptr(base(t)));
        launch(family, kernel, LaunchConfig.linear(n, THREADS), args);
    }

    void launch(String family, String kernel, LaunchConfig config, List<KernelArg> args) {
        ctx.kernels.launch(family, kernel, config, args);
    }

    // ---------------------------------------------------------------- reductions and indexing

    @Override
    public void reduce(ReduceOp op, Tensor x, int[] axes, Tensor out) {
        DeviceViews.requireDtype("reduce " + op, x, F32, BF16, F16);
        DeviceViews.requireCuda("reduce", x, ctx.ordinal);
        ctx.makeCurrent();
        int rank = x.rank();
        boolean[] reduced = new boolean[rank];
        for (int a : axes) reduced[a] = true;
        int[] kept = java.util.stream.IntStream.range(0, rank).filter(a -> !reduced[a]).toArray();
        Layout outer = DeviceViews.select(x.layout(), kept);
        Layout outOuter = DeviceViews.select(out.layout(), kept);
        Layout inner = DeviceViews.select(x.layout(), axes);
        inner = new Layout(inner.shape(), inner.strides(), 0);
        long nOut = outer.numel();
        long nInner = inner.numel();
        if (nOut == 0) return;
        List<KernelArg> args = new ArrayList<>();
        String kernel;
        if (op == ReduceOp.ARGMAX) {
            kernel = "argmax_" + suffix(x.dtype());
        } else {
            kernel = "reduce_" + suffix(x.dtype());
            args.add(KernelArg.i32(op.ordinal()));
        }
        args.add(Indexer.of(outer.shape(), outOuter, outer));
        args.add(Indexer.of(inner.shape(), inner));
        args.add(KernelArg.i64(nOut));
        args.add(KernelArg.i64(nInner));
        args.add(KernelArg.ptr(base(out)));
        args.add(KernelArg.ptr(base(x)));
        launch("reduce", kernel, LaunchConfig.rows(nOut, op == ReduceOp.ARGMAX ? 1024 : THREADS, 0), args);
    }

    @Override
    public void gather(Tensor x, int axis, Tensor index, Tensor out) {
        indexed("gather", "gather_" + sizeSuffix(x.dtype()) + "_" + suffix(index.dtype()), x, axis, index, out, out, x);
    }

    @Override
    public void scatterAdd(Tensor out, int axis, Tensor index, Tensor src) {
        DeviceViews.requireDtype("scatterAdd", out, F32, BF16, F16, DType.F64);
        indexed("scatterAdd", "scatter_add_" + suffix(out.dtype()) + "_" + suffix(index.dtype()), out, axis, index, src, src, out);
    }

    /** gather / scatter_add: Indexer over the index's shape with (walked, index, indexed-with-axis-zeroed). */
    private void indexed(String op, String kernel, Tensor indexedTensor, int axis, Tensor index, Tensor walked, Tensor first, Tensor last) {
        DeviceViews.requireDtype(op, index, I32, I64);
        DeviceViews.requireCuda(op, indexedTensor, ctx.ordinal);
        long n = index.numel();
        if (n == 0) return;
        ctx.makeCurrent();
        int a = indexedTensor.shape().axis(axis);
        long[] strides = indexedTensor.layout().strides();
        long axisStride = strides[a];
        strides[a] = 0;
        Layout rows = new Layout(index.shape(), strides, indexedTensor.layout().offset());
        long error = ctx.allocator.allocate(8);
        try {
            ctx.zero(error, 8);
            Layout firstLayout = walked.layout();
            launch("index", kernel, LaunchConfig.linear(n, THREADS), List.of(
                    Indexer.of(index.shape(), firstLayout, index.layout(), rows), KernelArg.i64(n), KernelArg.i64(axisStride),
                    KernelArg.i64(indexedTensor.dim(a)), KernelArg.ptr(base(first)), KernelArg.ptr(base(index)), KernelArg.ptr(base(last)),
                    KernelArg.ptr(error)));
            long[] flag = new long[1];
            ctx.copyToHost(error, MemorySegment.ofArray(flag), 0, 8);
            if (flag[0] != 0) {
                throw new IndexOutOfBoundsException(op + ": element " + (flag[0] - 1) + " (row-major) of index " + index.shape()
                        + " is outside [0, " + indexedTensor.dim(a) + "): axis " + a + " of " + indexedTensor.shape() + " has size " + indexedTensor.dim(a));
            }
        } finally {
            ctx.allocator.release(error);
        }
    }

    // ---------------------------------------------------------------- matmul through cuBLAS

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out, float alpha, float beta) {
        DeviceViews.requireDtype("matmul", a, F32, BF16, F16);
        if (b.dtype() != a.dtype() || (out.dtype() != a.dtype() && out.dtype() != F32)) {
            throw new IllegalArgumentException("matmul on cuda: " + a.dtype() + " @ " + b.dtype() + " -> " + out.dtype() + " (inputs must match; out F32 or the input dtype)");
        }
        DeviceViews.requireCuda("matmul", a, ctx.ordinal);
        DeviceViews.requireCuda("matmul", b, ctx.ordinal);
        DeviceViews.requireCuda("matmul", out, ctx.ordinal);
        ctx.makeCurrent();
        int rank = out.rank();
        int m = out.dim(-2), n = out.dim(-1), k = a.dim(-1);
        if (out.numel() == 0) return;
        List<Storage> temps = new ArrayList<>();
        try {
            Tensor target = out.isContiguous() ? out : dense(out, temps);
            Optional<GemmPlan> plan = plan(a, b, m, n, k, rank);
            Tensor aa = a, bb = b;
            if (plan.isEmpty()) {
                aa = dense(a, temps);
                bb = dense(b, temps);
                plan = plan(aa, bb, m, n, k, rank);
            }
            GemmPlan p = plan.orElseThrow(() -> new IllegalStateException("matmul on cuda: no cuBLAS plan for contiguous " + a.shape() + " @ " + b.shape()));
            ctx.cublas.gemm(p, a.dtype(), out.dtype(), DeviceViews.first(aa), DeviceViews.first(bb), DeviceViews.first(target), alpha, beta);
            if (target != out) copy(target, out);
        } finally {
            release(temps);
        }
    }

    private static Optional<GemmPlan> plan(Tensor a, Tensor b, int m, int n, int k, int rank) {
        int[] batchDims = java.util.Arrays.copyOf(a.shape().dims(), rank - 2);
        long batch = 1;
        for (int d : batchDims) batch *= d;
        if (batch > Integer.MAX_VALUE) return Optional.empty();
        OptionalLong aBatch = GemmPlan.collapseBatch(batchDims, java.util.Arrays.copyOf(a.layout().strides(), rank - 2));
        OptionalLong bBatch = GemmPlan.collapseBatch(batchDims, java.util.Arrays.copyOf(b.layout().strides(), rank - 2));
        if (aBatch.isEmpty() || bBatch.isEmpty()) return Optional.empty();
        return GemmPlan.of(m, n, k, a.stride(-2), a.stride(-1), b.stride(-2), b.stride(-1), (int) batch, aBatch.getAsLong(), bBatch.getAsLong());
    }

    // ---------------------------------------------------------------- temporaries

    /** {@code t} itself when contiguous, else a contiguous device copy whose storage is added to {@code temps}. */
    Tensor dense(Tensor t, List<Storage> temps) {
        if (t.isContiguous()) return t;
        Storage s = allocate(t.dtype(), t.numel());
        temps.add(s);
        Tensor copy = Tensor.wrap(s, Layout.contiguous(t.shape()), this);
        elementwise("elementwise", "copy_" + sizeSuffix(t.dtype()), copy, List.of(), t);
        return copy;
    }

    /** A contiguous uninitialised device tensor whose storage is added to {@code temps}. */
    Tensor temporary(DType dtype, Shape shape, List<Storage> temps) {
        Storage s = allocate(dtype, shape.numel());
        temps.add(s);
        return Tensor.wrap(s, Layout.contiguous(shape), this);
    }

    /** Stream-ordered: kernels already queued that read these buffers finish before any reuse. */
    static void release(List<Storage> temps) {
        for (Storage s : temps) s.release();
        temps.clear();
    }

    @Override
    public void close() { ctx.close(); }

    @Override
    public String toString() { return "CudaBackend[cuda:" + ctx.ordinal + " " + ctx.deviceName + ", sm_" + ctx.capability + "]"; }
}
