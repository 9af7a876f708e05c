package dev.hone.tensor;

import dev.hone.tensor.ops.CompositeFusedOps;
import dev.hone.tensor.ops.OpChecks;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.BinaryOp;
import dev.hone.tensor.spi.CompareOp;
import dev.hone.tensor.spi.FusedOps;
import dev.hone.tensor.spi.RandomKind;
import dev.hone.tensor.spi.ReduceOp;
import dev.hone.tensor.spi.UnaryOp;

import java.util.Arrays;

/**
 * The eager op layer: validated, allocating tensor operations with no gradient tracking. Every op
 * checks its arguments (an {@link IllegalArgumentException} naming the op and the shapes and dtypes),
 * never casts silently (dtypes must match), broadcasts NumPy-style by expanding stride-0 views,
 * allocates its result in the current {@link Scope} on the first input's backend, and calls that
 * backend's primitive. Results are fresh contiguous tensors unless documented as views.
 * Methods ending in {@code Into} / {@code InPlace}, {@link #fill} and {@link #scatterAdd} write into a
 * tensor the caller supplies.
 */
public final class Ops {
    private Ops() { }

    private static Tensor allocate(Tensor like, DType dtype, Shape shape) { return Tensor.empty(like.backend(), dtype, shape); }

    // ---------------------------------------------------------------- creation helpers

    /** A tensor of {@code shape} and {@code dtype} filled with {@code value}, on {@code like}'s backend. */
    public static Tensor full(Tensor like, DType dtype, Shape shape, double value) {
        Tensor t = allocate(like, dtype, shape);
        t.backend().fill(t, value);
        return t;
    }

    /** A rank-0 tensor of {@code like}'s dtype holding {@code value}, on {@code like}'s backend. */
    public static Tensor scalarLike(Tensor like, double value) { return full(like, like.dtype(), Shape.scalar(), value); }

    /**
     * [0, 1, ..., n-1] of an integer or floating dtype on {@code like}'s backend (written in host memory,
     * then copied there).
     */
    public static Tensor arange(Tensor like, DType dtype, int n) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) values[i] = i;
        return Tensor.of(like.backend(), dtype, values, n);
    }

    /** Random numbers on the current scope's backend; identical on every backend for the same seed (see {@link CounterRandom}). */
    public static Tensor random(RandomKind kind, long seed, double a, double b, DType dtype, int... dims) {
        Tensor t = Tensor.empty(dtype, dims);
        t.backend().random(kind, seed, a, b, t);
        return t;
    }

    // ---------------------------------------------------------------- elementwise

    public static Tensor unary(UnaryOp op, Tensor x) {
        String name = "unary " + op;
        if (op != UnaryOp.NEG && op != UnaryOp.ABS) OpChecks.floating(name, x);
        else OpChecks.numeric(name, x);
        Tensor out = allocate(x, x.dtype(), x.shape());
        x.backend().unary(op, x, out);
        return out;
    }

    public static Tensor neg(Tensor x) { return unary(UnaryOp.NEG, x); }
    public static Tensor abs(Tensor x) { return unary(UnaryOp.ABS, x); }
    public static Tensor exp(Tensor x) { return unary(UnaryOp.EXP, x); }
    public static Tensor log(Tensor x) { return unary(UnaryOp.LOG, x); }
    public static Tensor sqrt(Tensor x) { return unary(UnaryOp.SQRT, x); }
    public static Tensor rsqrt(Tensor x) { return unary(UnaryOp.RSQRT, x); }
    public static Tensor reciprocal(Tensor x) { return unary(UnaryOp.RECIPROCAL, x); }
    public static Tensor square(Tensor x) { return unary(UnaryOp.SQUARE, x); }
    public static Tensor tanh(Tensor x) { return unary(UnaryOp.TANH, x); }
    public static Tensor sigmoid(Tensor x) { return unary(UnaryOp.SIGMOID, x); }
    public static Tensor silu(Tensor x) { return unary(UnaryOp.SILU, x); }
    public static Tensor gelu(Tensor x) { return unary(UnaryOp.GELU_TANH, x); }
    public static Tensor relu(Tensor x) { return unary(UnaryOp.RELU, x); }
    public static Tensor sin(Tensor x) { return unary(UnaryOp.SIN, x); }
    public static Tensor cos(Tensor x) { return unary(UnaryOp.COS, x); }

    /** a op b with NumPy broadcasting; a and b must share a dtype (not BOOL). */
    public static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase();
        OpChecks.sameDevice(name, a, b);
        OpChecks.sameDType(name, a, b);
        OpChecks.numeric(name, a);
        Shape shape = Shape.broadcast(name, a.shape(), b.shape());
        Tensor out = allocate(a, a.dtype(), shape);
        a.backend().binary(op, a.expand(shape), b.expand(shape), out);
        return out;
    }

    public static Tensor add(Tensor a, Tensor b) { return binary(BinaryOp.ADD, a, b); }
    public static Tensor sub(Tensor a, Tensor b) { return binary(BinaryOp.SUB, a, b); }
    public static Tensor mul(Tensor a, Tensor b) { return binary(BinaryOp.MUL, a, b); }
    public static Tensor div(Tensor a, Tensor b) { return binary(BinaryOp.DIV, a, b); }
    public static Tensor maximum(Tensor a, Tensor b) { return binary(BinaryOp.MAX, a, b); }
    public static Tensor minimum(Tensor a, Tensor b) { return binary(BinaryOp.MIN, a, b); }
    public static Tensor pow(Tensor a, Tensor b) { return binary(BinaryOp.POW, a, b); }

    /** a + s, with s converted to a's dtype. */
    public static Tensor add(Tensor a, double s) { return add(a, scalarLike(a, s)); }

    /** a * s, with s converted to a's dtype. */
    public static Tensor mul(Tensor a, double s) { return mul(a, scalarLike(a, s)); }

    /** BOOL result of a op b with broadcasting; a and b share a dtype. */
    public static Tensor compare(CompareOp op, Tensor a, Tensor b) {
        String name = "compare " + op;
        OpChecks.sameDevice(name, a, b);
        OpChecks.sameDType(name, a, b);
        Shape shape = Shape.broadcast(name, a.shape(), b.shape());
        Tensor out = allocate(a, DType.BOOL, shape);
        a.backend().compare(op, a.expand(shape), b.expand(shape), out);
        return out;
    }

    /** cond ? a : b elementwise, all three broadcast together; cond is BOOL, a and b share a dtype. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        OpChecks.dtype("where", "cond", cond, DType.BOOL);
        OpChecks.sameDevice("where", cond, a);
        OpChecks.sameDevice("where", a, b);
        OpChecks.sameDType("where", a, b);
        Shape shape = Shape.broadcast("where", cond.shape(), Shape.broadcast("where", a.shape(), b.shape()));
        Tensor out = allocate(a, a.dtype(), shape);
        a.backend().where(cond.expand(shape), a.expand(shape), b.expand(shape), out);
        return out;
    }

    // ---------------------------------------------------------------- reductions

    /** Reduces over {@code axes} (none = all); keepDims leaves them as size 1, else removes them. */
    public static Tensor reduce(ReduceOp op, Tensor x, boolean keepDims, int... axes) {
        String name = op.name().toLowerCase();
        if (op == ReduceOp.ARGMAX && axes.length != 1) throw new IllegalArgumentException("argmax: needs exactly one axis, got " + Arrays.toString(axes));
        if (op == ReduceOp.MEAN) OpChecks.floating(name, x);
        else OpChecks.numeric(name, x);
        int[] sorted = OpChecks.normaliseAxes(name, x.shape(), axes);
        Shape kept = x.shape();
        for (int a : sorted) kept = kept.with(a, 1);
        Tensor out = allocate(x, op == ReduceOp.ARGMAX ? DType.I64 : x.dtype(), kept);
        x.backend().reduce(op, x, sorted, out);
        if (keepDims) return out;
        for (int i = sorted.length - 1; i >= 0; i--) out = out.squeeze(sorted[i]);
        return out;
    }

    public static Tensor sum(Tensor x, boolean keepDims, int... axes) { return reduce(ReduceOp.SUM, x, keepDims, axes); }
    public static Tensor mean(Tensor x, boolean keepDims, int... axes) { return reduce(ReduceOp.MEAN, x, keepDims, axes); }
    public static Tensor max(Tensor x, boolean keepDims, int... axes) { return reduce(ReduceOp.MAX, x, keepDims, axes); }
    public static Tensor min(Tensor x, boolean keepDims, int... axes) { return reduce(ReduceOp.MIN, x, keepDims, axes); }

    /** I64 index of the first largest element along {@code axis}. */
    public static Tensor argmax(Tensor x, int axis, boolean keepDims) { return reduce(ReduceOp.ARGMAX, x, keepDims, axis); }

    /**
     * Sums x over the axes that broadcasting added or stretched so the result has {@code shape} (which
     * must broadcast to x's shape). Returns x itself when the shapes already agree. The one place
     * broadcasting is undone for gradients.
     */
    public static Tensor sumTo(Tensor x, Shape shape) {
        if (x.shape().equals(shape)) return x;
        if (shape.rank() > x.rank() || !Shape.broadcast("sumTo", shape, x.shape()).equals(x.shape())) {
            throw new IllegalArgumentException("sumTo: " + shape + " does not broadcast to " + OpChecks.describe(x));
        }
        int lead = x.rank() - shape.rank();
        int[] axes = new int[x.rank()];
        int count = 0;
        for (int a = 0; a < x.rank(); a++) {
            if (a < lead || (shape.dim(a - lead) == 1 && x.dim(a) != 1)) axes[count++] = a;
        }
        Tensor summed = count == 0 ? x : sum(x, true, Arrays.copyOf(axes, count));
        return summed.reshape(shape.dims());
    }

    // ---------------------------------------------------------------- matmul

    /** a @ b for a [..., M, K] and b [..., K, N] (rank >= 2, batch axes broadcast); result has a's dtype. */
    public static Tensor matmul(Tensor a, Tensor b) {
        Shape outShape = matmulShape("matmul", a, b);
        Tensor out = allocate(a, a.dtype(), outShape);
        matmulChecked(a, b, out, 1f, 0f);
        return out;
    }

    /** out = alpha * a @ b + beta * out; out is [..., M, N] of a's dtype or F32. */
    public static void matmulInto(Tensor a, Tensor b, Tensor out, float alpha, float beta) {
        Shape expected = matmulShape("matmulInto", a, b);
        OpChecks.shape("matmulInto", "out", out, expected);
        OpChecks.sameDevice("matmulInto", a, out);
        OpChecks.writable("matmulInto", out);
        if (out.dtype() != a.dtype() && out.dtype() != DType.F32) {
            throw new IllegalArgumentException("matmulInto: out must be " + a.dtype() + " or F32, got " + OpChecks.describe(out));
        }
        matmulChecked(a, b, out, alpha, beta);
    }

    /**
     * out = alpha1 * a1 @ b1 + alpha2 * a2 @ b2 + beta * out for matrices a1 [M, K1], b1 [K1, N], a2 [M, K2],
     * b2 [K2, N]; out is [M, N] of the inputs' dtype or F32. One pass over out where the backend can.
     */
    public static void matmulSumInto(Tensor a1, Tensor b1, float alpha1, Tensor a2, Tensor b2, float alpha2, Tensor out, float beta) {
        String op = "matmulSumInto";
        for (Tensor t : new Tensor[] {a1, b1, a2, b2, out}) {
            if (t.rank() != 2) {
                throw new IllegalArgumentException(op + ": operands must be matrices, got " + OpChecks.describe(a1) + " @ " + OpChecks.describe(b1)
                        + " + " + OpChecks.describe(a2) + " @ " + OpChecks.describe(b2) + " into " + OpChecks.describe(out));
            }
        }
        Shape expected = matmulShape(op, a1, b1);
        if (!matmulShape(op, a2, b2).equals(expected)) {
            throw new IllegalArgumentException(op + ": the two products differ in shape: " + OpChecks.describe(a1) + " @ " + OpChecks.describe(b1)
                    + " vs " + OpChecks.describe(a2) + " @ " + OpChecks.describe(b2));
        }
        OpChecks.sameDType(op, a1, a2);
        OpChecks.sameDevice(op, a1, a2);
        OpChecks.shape(op, "out", out, expected);
        OpChecks.sameDevice(op, a1, out);
        OpChecks.writable(op, out);
        if (out.dtype() != a1.dtype() && out.dtype() != DType.F32) {
            throw new IllegalArgumentException(op + ": out must be " + a1.dtype() + " or F32, got " + OpChecks.describe(out));
        }
        a1.backend().matmulSum(a1, b1, alpha1, a2, b2, alpha2, out, beta);
    }

    /**
     * xn = x @ n (overwritten; both may be null) and accumulate += scale * xᵀ @ h, for x [M, K], n [K, r],
     * xn [M, r], h [M, r'] and accumulate [K, r']; outputs of x's dtype or F32. One pass over x where the
     * backend can (a LoRA layer's backward: g·B and dB = s·gᵀ·h from one read of g).
     */
    public static void narrowProductsInto(Tensor x, Tensor n, Tensor xn, Tensor h, float scale, Tensor accumulate) {
        narrowProductsInto(x, n, xn, h, scale, accumulate, 1f);
    }

    /** As the other, with accumulate = beta·accumulate + scale·xᵀ·h (beta 0: overwritten, never read). */
    public static void narrowProductsInto(Tensor x, Tensor n, Tensor xn, Tensor h, float scale, Tensor accumulate, float beta) {
        String op = "narrowProductsInto";
        if ((n == null) != (xn == null)) {
            throw new IllegalArgumentException(op + ": n and xn come together, got n " + (n == null ? "null" : OpChecks.describe(n))
                    + " and xn " + (xn == null ? "null" : OpChecks.describe(xn)));
        }
        if (x.rank() != 2 || h.rank() != 2 || accumulate.rank() != 2 || (n != null && (n.rank() != 2 || xn.rank() != 2))) {
            throw new IllegalArgumentException(op + ": operands must be matrices, got x " + OpChecks.describe(x) + ", h "
                    + OpChecks.describe(h) + ", accumulate " + OpChecks.describe(accumulate)
                    + (n == null ? "" : ", n " + OpChecks.describe(n) + ", xn " + OpChecks.describe(xn)));
        }
        OpChecks.shape(op, "accumulate", accumulate, matmulShape(op, x.mT(), h));
        narrowOutput(op, "accumulate", x, accumulate);
        if (n != null) {
            OpChecks.shape(op, "xn", xn, matmulShape(op, x, n));
            narrowOutput(op, "xn", x, xn);
        }
        x.backend().narrowProducts(x, n, xn, h, scale, accumulate, beta);
    }

    private static void narrowOutput(String op, String role, Tensor x, Tensor out) {
        OpChecks.sameDevice(op, x, out);
        OpChecks.writable(op, out);
        if (out.dtype() != x.dtype() && out.dtype() != DType.F32) {
            throw new IllegalArgumentException(op + ": " + role + " must be " + x.dtype() + " or F32, got " + OpChecks.describe(out));
        }
    }

    private static Shape matmulShape(String op, Tensor a, Tensor b) {
        if (a.rank() < 2 || b.rank() < 2) {
            throw new IllegalArgumentException(op + ": operands need rank >= 2, got " + OpChecks.describe(a) + " @ " + OpChecks.describe(b));
        }
        OpChecks.sameDevice(op, a, b);
        OpChecks.sameDType(op, a, b);
        OpChecks.floating(op, a);
        if (a.dim(-1) != b.dim(-2)) {
            throw new IllegalArgumentException(op + ": inner dimensions differ: " + OpChecks.describe(a) + " @ " + OpChecks.describe(b));
        }
        Shape batch = Shape.broadcast(op, batchShape(a), batchShape(b));
        int[] dims = Arrays.copyOf(batch.dims(), batch.rank() + 2);
        dims[batch.rank()] = a.dim(-2);
        dims[batch.rank() + 1] = b.dim(-1);
        return Shape.of(dims);
    }

    private static Shape batchShape(Tensor t) { return Shape.of(Arrays.copyOf(t.shape().dims(), t.rank() - 2)); }

    private static void matmulChecked(Tensor a, Tensor b, Tensor out, float alpha, float beta) {
        int batchRank = out.rank() - 2;
        int[] batch = Arrays.copyOf(out.shape().dims(), batchRank);
        int[] aDims = Arrays.copyOf(batch, batchRank + 2);
        aDims[batchRank] = a.dim(-2);
        aDims[batchRank + 1] = a.dim(-1);
        int[] bDims = Arrays.copyOf(batch, batchRank + 2);
        bDims[batchRank] = b.dim(-2);
        bDims[batchRank + 1] = b.dim(-1);
        a.backend().matmul(a.expand(Shape.of(aDims)), b.expand(Shape.of(bDims)), out, alpha, beta);
    }

    // ---------------------------------------------------------------- conversion and copies

    /** x converted to {@code dtype} (x itself when it already has it). */
    public static Tensor cast(Tensor x, DType dtype) {
        if (x.dtype() == dtype) return x;
        Tensor out = allocate(x, dtype, x.shape());
        x.backend().cast(x, out);
        return out;
    }

    /** dst = src, src broadcast to dst's shape; same dtype; dst may be any writable view. */
    public static void copyInto(Tensor src, Tensor dst) {
        OpChecks.sameDevice("copyInto", src, dst);
        OpChecks.sameDType("copyInto", src, dst);
        OpChecks.writable("copyInto", dst);
        if (!Shape.broadcast("copyInto", src.shape(), dst.shape()).equals(dst.shape())) {
            throw new IllegalArgumentException("copyInto: " + OpChecks.describe(src) + " does not broadcast to " + OpChecks.describe(dst));
        }
        dst.backend().copy(src.expand(dst.shape()), dst);
    }

    /** Every element of t = value (converted to t's dtype). */
    public static void fill(Tensor t, double value) {
        OpChecks.writable("fill", t);
        t.backend().fill(t, value);
    }

    /** acc += x, x broadcast to acc's shape; same dtype. */
    public static void addInPlace(Tensor acc, Tensor x) {
        OpChecks.sameDevice("addInPlace", acc, x);
        OpChecks.sameDType("addInPlace", acc, x);
        OpChecks.numeric("addInPlace", acc);
        OpChecks.writable("addInPlace", acc);
        if (!Shape.broadcast("addInPlace", x.shape(), acc.shape()).equals(acc.shape())) {
            throw new IllegalArgumentException("addInPlace: " + OpChecks.describe(x) + " does not broadcast to " + OpChecks.describe(acc));
        }
        acc.backend().binary(BinaryOp.ADD, acc, x.expand(acc.shape()), acc);
    }

    /** Concatenation along {@code axis}; all parts share dtype and every other dimension. */
    public static Tensor cat(int axis, Tensor... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("cat: no tensors");
        Tensor first = parts[0];
        int a = first.shape().axis(axis);
        int total = 0;
        for (Tensor p : parts) {
            OpChecks.sameDevice("cat", first, p);
            OpChecks.sameDType("cat", first, p);
            if (p.rank() != first.rank() || !p.shape().with(a, 1).equals(first.shape().with(a, 1))) {
                throw new IllegalArgumentException("cat: shapes " + first.shape() + " and " + p.shape() + " differ outside axis " + axis);
            }
            total += p.dim(a);
        }
        Tensor out = allocate(first, first.dtype(), first.shape().with(a, total));
        int at = 0;
        for (Tensor p : parts) {
            if (p.dim(a) > 0) out.backend().copy(p, out.narrow(a, at, p.dim(a)));
            at += p.dim(a);
        }
        return out;
    }

    // ---------------------------------------------------------------- indexing

    /** torch.gather: result[...i along axis...] = x[...index[...] along axis...]; result has index's shape. */
    public static Tensor gather(Tensor x, int axis, Tensor index) {
        int a = x.shape().axis(axis);
        checkIndexShape("gather", x, a, index);
        Tensor out = allocate(x, x.dtype(), index.shape());
        x.backend().gather(x, a, index, out);
        return out;
    }

    /** torch.scatter_add_: out[...index[...] along axis...] += src[...]; index and src share a shape. */
    public static void scatterAdd(Tensor out, int axis, Tensor index, Tensor src) {
        int a = out.shape().axis(axis);
        checkIndexShape("scatterAdd", out, a, index);
        OpChecks.sameDevice("scatterAdd", out, src);
        OpChecks.sameDType("scatterAdd", out, src);
        OpChecks.writable("scatterAdd", out);
        OpChecks.shape("scatterAdd", "src", src, index.shape());
        out.backend().scatterAdd(out, a, index, src);
    }

    private static void checkIndexShape(String op, Tensor x, int axis, Tensor index) {
        OpChecks.integerIndex(op, index);
        OpChecks.sameDevice(op, x, index);
        if (index.rank() != x.rank()) {
            throw new IllegalArgumentException(op + ": index " + OpChecks.describe(index) + " must have the rank of " + OpChecks.describe(x));
        }
        for (int d = 0; d < x.rank(); d++) {
            if (d != axis && index.dim(d) > x.dim(d)) {
                throw new IllegalArgumentException(op + ": index " + OpChecks.describe(index) + " exceeds " + OpChecks.describe(x)
                        + " on axis " + d + " (only axis " + axis + " may differ)");
            }
        }
    }

    /** Rows of x along axis 0 for an index of any shape: result shape index.shape + x.shape[1:]. */
    public static Tensor indexSelect(Tensor x, Tensor index) {
        OpChecks.integerIndex("indexSelect", index);
        if (x.rank() == 0) throw new IllegalArgumentException("indexSelect: x must have rank >= 1, got " + OpChecks.describe(x));
        int[] rest = Arrays.copyOfRange(x.shape().dims(), 1, x.rank());
        Tensor rows = gather(x, 0, expandedRowIndex(index, rest));
        return rows.reshape(concat(index.shape().dims(), rest));
    }

    /** Inverse of {@link #indexSelect}: out[index[i]] += src[i], src of shape index.shape + out.shape[1:]. */
    public static void indexAdd(Tensor out, Tensor index, Tensor src) {
        OpChecks.integerIndex("indexAdd", index);
        if (out.rank() == 0) throw new IllegalArgumentException("indexAdd: out must have rank >= 1, got " + OpChecks.describe(out));
        int[] rest = Arrays.copyOfRange(out.shape().dims(), 1, out.rank());
        OpChecks.shape("indexAdd", "src", src, Shape.of(concat(index.shape().dims(), rest)));
        int n = Math.toIntExact(index.numel());
        scatterAdd(out, 0, expandedRowIndex(index, rest), src.reshape(concat(new int[] {n}, rest)));
    }

    /** index flattened to [n] and broadcast over the trailing dims: [n, rest...] with stride 0 after axis 0. */
    private static Tensor expandedRowIndex(Tensor index, int[] rest) {
        int n = Math.toIntExact(index.numel());
        Tensor flat = index.reshape(n);
        for (int i = 0; i < rest.length; i++) flat = flat.unsqueeze(-1);
        return flat.expand(concat(new int[] {n}, rest));
    }

    private static int[] concat(int[] head, int[] tail) {
        int[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    // ---------------------------------------------------------------- fused ops

    /** The fused kernels of t's backend, or a composite of the primitives above when it offers none. */
    public static FusedOps fused(Tensor t) {
        Backend backend = t.backend();
        return backend.fused().orElseGet(CompositeFusedOps::new);
    }
}
