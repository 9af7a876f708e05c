package dev.hone.tensor;

import dev.hone.tensor.spi.Backend;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * An n-dimensional array: a {@link Storage} seen through a strided {@link Layout}. Tensors are
 * immutable handles; view methods (reshape, permute, transpose, narrow, expand, unsqueeze, squeeze)
 * return new handles over the same storage and never copy. New tensors belong to the innermost open
 * {@link Scope} and are created on that scope's backend. Arithmetic lives in {@link Ops} (no gradient)
 * and in the autograd module (recorded on a tape).
 */
public final class Tensor {
    private final Storage storage;
    private final Layout layout;
    private final Backend backend;

    private Tensor(Storage storage, Layout layout, Backend backend) {
        if (layout.numel() > 0 && layout.extent() > storage.numel()) {
            throw new IllegalArgumentException(layout + " reaches element " + layout.extent() + " of a storage of " + storage.numel());
        }
        this.storage = storage;
        this.layout = layout;
        this.backend = backend;
    }

    /** A tensor over existing storage (for loaders and backends). The storage's owner stays responsible for it. */
    public static Tensor wrap(Storage storage, Layout layout, Backend backend) { return new Tensor(storage, layout, backend); }

    // ---------------------------------------------------------------- factories (current scope)

    /** Uninitialised tensor on the current scope's backend. */
    public static Tensor empty(DType dtype, int... dims) { return empty(dtype, Shape.of(dims)); }

    public static Tensor empty(DType dtype, Shape shape) {
        Scope scope = Scope.current();
        Backend b = scope.backend();
        Storage s = scope.adopt(b.allocate(dtype, shape.numel()));
        return new Tensor(s, Layout.contiguous(shape), b);
    }

    /** Uninitialised tensor on {@code backend}, owned by the current scope (for results of ops on that backend). */
    public static Tensor empty(Backend backend, DType dtype, Shape shape) {
        Storage s = Scope.current().adopt(backend.allocate(dtype, shape.numel()));
        return new Tensor(s, Layout.contiguous(shape), backend);
    }

    public static Tensor zeros(DType dtype, int... dims) { return full(dtype, 0, dims); }

    public static Tensor ones(DType dtype, int... dims) { return full(dtype, 1, dims); }

    public static Tensor full(DType dtype, double value, int... dims) {
        Tensor t = empty(dtype, dims);
        t.backend.fill(t, value);
        return t;
    }

    /** An uninitialised tensor with this tensor's shape, dtype and backend. */
    public Tensor emptyLike() { return emptyLike(dtype()); }

    public Tensor emptyLike(DType dtype) {
        Scope scope = Scope.current();
        Storage s = scope.adopt(backend.allocate(dtype, numel()));
        return new Tensor(s, Layout.contiguous(shape()), backend);
    }

    /**
     * An uninitialised tensor with this tensor's shape, dtype and backend whose axes lie in memory in the
     * order of this tensor's strides, largest first (PyTorch's {@code empty_like} with
     * {@code preserve_format}): for a permuted view of a contiguous buffer, a contiguous buffer permuted
     * the same way. Axes with equal strides keep their order. A result written into this layout reads
     * back through the inverse permutation, and then reshapes, without a copy.
     */
    public Tensor emptyLikeInStrideOrder() {
        int rank = rank();
        long[] strides = layout.strides();
        Integer[] order = new Integer[rank];
        for (int i = 0; i < rank; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Long.compare(strides[b], strides[a]));  // stable: ties keep axis order
        int[] dims = new int[rank], inverse = new int[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = dim(order[i]);
            inverse[order[i]] = i;
        }
        Storage s = Scope.current().adopt(backend.allocate(dtype(), numel()));
        return new Tensor(s, Layout.contiguous(Shape.of(dims)), backend).permute(inverse);
    }

    public static Tensor of(float[] data, int... dims) { return fromHost(DType.F32, data.length, dims, MemorySegment.ofArray(data)); }

    public static Tensor of(DType dtype, double[] data, int... dims) {
        return fromHost(Scope.current().backend(), dtype, data.length, dims, staged(dtype, data));
    }

    /** {@code data} rounded to {@code dtype}, a new tensor on {@code backend} owned by the current scope. */
    static Tensor of(Backend backend, DType dtype, double[] data, int... dims) { return fromHost(backend, dtype, data.length, dims, staged(dtype, data)); }

    /** The values written as {@code dtype} elements into heap memory. */
    private static MemorySegment staged(DType dtype, double[] data) {
        MemorySegment staged = MemorySegment.ofArray(new byte[Math.multiplyExact(data.length, dtype.byteSize())]);
        for (int i = 0; i < data.length; i++) Elements.write(staged, dtype, i, data[i]);
        return staged;
    }

    public static Tensor ofInts(int[] data, int... dims) { return fromHost(DType.I32, data.length, dims, MemorySegment.ofArray(data)); }

    public static Tensor ofLongs(long[] data, int... dims) { return fromHost(DType.I64, data.length, dims, MemorySegment.ofArray(data)); }

    /** A tensor of {@code dtype} whose elements are the little-endian bytes {@code raw} (e.g. packed 4-bit codes as U8). */
    public static Tensor ofRawBytes(DType dtype, byte[] raw, int... dims) {
        if (raw.length % dtype.byteSize() != 0) throw new IllegalArgumentException(raw.length + " bytes are not a whole number of " + dtype + " elements");
        return fromHost(dtype, raw.length / dtype.byteSize(), dims, MemorySegment.ofArray(raw));
    }

    public static Tensor scalar(DType dtype, double value) { return full(dtype, value); }

    /** A tensor on the current scope's backend holding {@code length} elements copied from host memory. */
    private static Tensor fromHost(DType dtype, int length, int[] dims, MemorySegment src) {
        return fromHost(Scope.current().backend(), dtype, length, dims, src);
    }

    private static Tensor fromHost(Backend backend, DType dtype, int length, int[] dims, MemorySegment src) {
        Shape shape = dims.length == 0 && length != 1 ? Shape.of(length) : Shape.of(dims);
        if (shape.numel() != length) throw new IllegalArgumentException(length + " values for shape " + shape);
        Tensor t = empty(backend, dtype, shape);
        if (length > 0) backend.copyFromHost(src, 0, t);
        return t;
    }

    /**
     * This tensor on {@code target}: itself when already there; a view of the same memory when both are
     * host-memory backends; otherwise a contiguous copy (upload, download, or both), owned by the current
     * scope. The copy is complete when this returns.
     */
    public Tensor to(Backend target) {
        if (target == backend) return this;
        boolean hostHere = device().kind() == Device.Kind.CPU, hostThere = target.device().kind() == Device.Kind.CPU;
        if (hostHere && hostThere) return new Tensor(storage, layout, target);
        Tensor out = empty(target, dtype(), shape());
        if (numel() == 0) return out;
        if (hostHere) {
            withDenseCopy(dense -> target.copyFromHost(dense.storage.segment(), dense.layout.offset() * dtype().byteSize(), out));
        } else if (hostThere) {
            withDenseCopy(dense -> backend.copyToHost(dense, out.storage.segment(), 0));
        } else {
            target.copyFromHost(hostBytes(), 0, out);
        }
        return out;
    }

    // ---------------------------------------------------------------- properties

    public Storage storage() { return storage; }

    public Layout layout() { return layout; }

    public Backend backend() { return backend; }

    public DType dtype() { return storage.dtype(); }

    public Device device() { return storage.device(); }

    public Shape shape() { return layout.shape(); }

    public int rank() { return layout.rank(); }

    public int dim(int axis) { return layout.shape().dim(axis); }

    public long numel() { return layout.numel(); }

    public long stride(int axis) { return layout.stride(axis); }

    public boolean isContiguous() { return layout.isContiguous(); }

    // ---------------------------------------------------------------- views

    public Tensor view(Layout l) { return new Tensor(storage, l, backend); }

    /** A view when contiguous, otherwise a contiguous copy reshaped: the result is always contiguous. One -1 is inferred. */
    public Tensor reshape(int... dims) {
        Tensor src = isContiguous() ? this : contiguous();
        return src.view(src.layout.reshape(dims));
    }

    /**
     * PyTorch's reshape: a view whenever the strides allow it (a narrowed or otherwise strided tensor whose
     * axes only split or merge within runs of matching strides; the result is then strided too), otherwise
     * a contiguous copy reshaped. One -1 is inferred.
     */
    public Tensor reshapeViewOrCopy(int... dims) {
        return layout.reshapeView(dims).map(this::view).orElseGet(() -> contiguous().reshape(dims));
    }

    public Tensor permute(int... order) { return view(layout.permute(order)); }

    public Tensor transpose(int a, int b) { return view(layout.transpose(a, b)); }

    /** Transpose of the last two axes. */
    public Tensor mT() { return transpose(-2, -1); }

    public Tensor narrow(int axis, int start, int length) { return view(layout.narrow(axis, start, length)); }

    public Tensor expand(int... dims) { return view(layout.expand(Shape.of(dims))); }

    public Tensor expand(Shape shape) { return view(layout.expand(shape)); }

    public Tensor unsqueeze(int axis) { return view(layout.unsqueeze(axis)); }

    public Tensor squeeze(int axis) { return view(layout.squeeze(axis)); }

    /** This tensor if contiguous, else a contiguous copy in the current scope. */
    public Tensor contiguous() {
        if (isContiguous()) return this;
        Tensor out = emptyLike();
        backend.copy(this, out);
        return out;
    }

    /** A contiguous copy, always new. */
    public Tensor copy() {
        Tensor out = emptyLike();
        backend.copy(this, out);
        return out;
    }

    /** This tensor converted to {@code dtype} (itself when already of that dtype). */
    public Tensor to(DType dtype) {
        if (dtype == dtype()) return this;
        Tensor out = emptyLike(dtype);
        backend.cast(this, out);
        return out;
    }

    // ---------------------------------------------------------------- host data access (slow paths)

    private MemorySegment hostSegment() {
        if (device().kind() != Device.Kind.CPU) {
            throw new UnsupportedOperationException("reading elements of a tensor on " + device() + ": copy it to CPU first");
        }
        return storage.segment();
    }

    /**
     * The elements readable from Java, in the layout {@link #readableLayout()} gives: the storage itself on a
     * host-memory backend, otherwise a dense copy downloaded into heap memory (one device round trip).
     */
    private MemorySegment readableSegment() { return device().kind() == Device.Kind.CPU ? storage.segment() : hostBytes(); }

    private Layout readableLayout() { return device().kind() == Device.Kind.CPU ? layout : Layout.contiguous(shape()); }

    /** A dense copy of the elements in heap memory, in row-major order. */
    private MemorySegment hostBytes() {
        MemorySegment out = MemorySegment.ofArray(new byte[Math.toIntExact(Math.multiplyExact(numel(), (long) dtype().byteSize()))]);
        if (numel() > 0) withDenseCopy(dense -> dense.backend.copyToHost(dense, out, 0));
        return out;
    }

    /** Runs {@code use} on this tensor if contiguous, else on a contiguous copy freed right after. */
    private void withDenseCopy(Consumer<Tensor> use) {
        if (isContiguous()) {
            use.accept(this);
            return;
        }
        try (Scope scratch = Scope.open(backend)) {
            use.accept(contiguous());
        }
    }

    public double getDouble(int... index) { return Elements.read(hostSegment(), dtype(), layout.indexOf(index)); }

    public float getFloat(int... index) { return (float) getDouble(index); }

    public long getLong(int... index) { return Elements.readLong(hostSegment(), dtype(), layout.indexOf(index)); }

    public void set(double value, int... index) { Elements.write(hostSegment(), dtype(), layout.indexOf(index), value); }

    /** The single value of a one-element tensor (on an accelerator: downloaded, which waits for pending work). */
    public double item() {
        if (numel() != 1) throw new IllegalStateException("item() of a tensor with shape " + shape());
        return Elements.read(readableSegment(), dtype(), readableLayout().offset());
    }

    /** The elements in row-major order; on an accelerator, downloaded first. The same holds for the other array readers. */
    public double[] toDoubleArray() {
        MemorySegment seg = readableSegment();
        double[] out = new double[Math.toIntExact(numel())];
        StridedIndex it = new StridedIndex(readableLayout());
        for (int i = 0; i < out.length; i++) out[i] = Elements.read(seg, dtype(), it.next());
        return out;
    }

    public float[] toFloatArray() {
        if (dtype() == DType.F32 && (isContiguous() || device().kind() != Device.Kind.CPU)) {
            float[] out = new float[Math.toIntExact(numel())];
            MemorySegment.copy(readableSegment(), Elements.F32, readableLayout().offset() * 4, out, 0, out.length);
            return out;
        }
        double[] d = toDoubleArray();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) out[i] = (float) d[i];
        return out;
    }

    public long[] toLongArray() {
        MemorySegment seg = readableSegment();
        long[] out = new long[Math.toIntExact(numel())];
        StridedIndex it = new StridedIndex(readableLayout());
        for (int i = 0; i < out.length; i++) out[i] = Elements.readLong(seg, dtype(), it.next());
        return out;
    }

    public int[] toIntArray() {
        long[] l = toLongArray();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) out[i] = Math.toIntExact(l[i]);
        return out;
    }

    /** The elements' little-endian bytes in row-major order (the inverse of {@link #ofRawBytes}). */
    public byte[] toRawBytes() { return hostBytes().toArray(ValueLayout.JAVA_BYTE); }

    @Override
    public String toString() {
        String head = "Tensor" + shape() + " " + dtype() + " " + device();
        if (device().kind() != Device.Kind.CPU || storage.isReleased()) return head;
        double[] d = numel() <= 8 ? toDoubleArray() : null;
        return d == null ? head : head + " " + Arrays.toString(d);
    }
}
