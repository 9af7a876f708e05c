package dev.hone.tensor;

import java.util.Arrays;
import java.util.Optional;

/**
 * A strided view description: shape, per-axis element strides and an element offset into a storage.
 * Every view operation here (reshape of a contiguous layout, permute, transpose, narrow, expand,
 * unsqueeze, squeeze) returns a new Layout over the same storage; none copies data. A stride of 0
 * marks a broadcast axis.
 *
 * <p>Invariant: for every valid index, {@code offset + sum(index[i] * strides[i])} lies inside the
 * storage; constructors of views preserve it, so kernels need not re-check.
 */
public record Layout(Shape shape, long[] strides, long offset) {

    public Layout {
        if (strides.length != shape.rank()) {
            throw new IllegalArgumentException("layout: " + strides.length + " strides for shape " + shape);
        }
        if (offset < 0) throw new IllegalArgumentException("layout: negative offset " + offset);
        strides = strides.clone();
    }

    public static Layout contiguous(Shape shape) { return new Layout(shape, shape.contiguousStrides(), 0); }

    @Override
    public long[] strides() { return strides.clone(); }

    public long stride(int axis) { return strides[shape.axis(axis)]; }

    public int rank() { return shape.rank(); }

    public long numel() { return shape.numel(); }

    /** True when elements are laid out row-major without gaps (size-1 axes may have any stride). */
    public boolean isContiguous() {
        long expected = 1;
        int[] d = shape.dims();
        for (int i = d.length - 1; i >= 0; i--) {
            if (d[i] == 1) continue;
            if (strides[i] != expected) return false;
            expected *= d[i];
        }
        return true;
    }

    /** One past the largest element index this view touches (0 for an empty view). */
    public long extent() {
        if (numel() == 0) return offset;
        long max = offset;
        int[] d = shape.dims();
        for (int i = 0; i < d.length; i++) max += (long) (d[i] - 1) * Math.max(strides[i], 0);
        return max + 1;
    }

    /** Element index of a multi-dimensional index. */
    public long indexOf(int... index) {
        if (index.length != rank()) throw new IllegalArgumentException("index of rank " + index.length + " for shape " + shape);
        long at = offset;
        int[] d = shape.dims();
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= d[i]) throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " outside shape " + shape);
            at += index[i] * strides[i];
        }
        return at;
    }

    /**
     * A reshaped view over the same elements in the same row-major order. One -1 is inferred. Defined for
     * contiguous layouts and for strided ones whose axes split or merge without mixing strides (see
     * {@link #viewStrides}); otherwise callers copy first.
     */
    public Layout reshape(int... newDims) {
        Shape target = inferShape(shape, newDims);
        return viewAs(target).orElseThrow(() -> new IllegalStateException("reshape " + shape + " -> " + target + " needs a contiguous layout"));
    }

    /** {@link #reshape} to {@code newDims} when it is a view (no copy needed), else empty. One -1 is inferred. */
    public Optional<Layout> reshapeView(int... newDims) { return viewAs(inferShape(shape, newDims)); }

    private Optional<Layout> viewAs(Shape target) {
        if (isContiguous()) return Optional.of(new Layout(target, target.contiguousStrides(), offset));
        long[] strides = viewStrides(target);
        return strides == null ? Optional.empty() : Optional.of(new Layout(target, strides, offset));
    }

    /**
     * Strides that show this layout's elements in {@code target}'s shape, or null when none do: each run
     * of axes that is contiguous relative to its last stride ("chunk") must be covered exactly by a run
     * of target axes (PyTorch's computeStride; size-1 axes fit anywhere).
     */
    private long[] viewStrides(Shape target) {
        int[] from = shape.dims(), to = target.dims();
        long[] result = new long[to.length];
        if (shape.numel() == 0) return target.contiguousStrides();
        int viewAxis = to.length - 1;
        long chunkBase = from.length == 0 ? 1 : strides[from.length - 1];
        long chunkNumel = 1, viewNumel = 1;
        for (int axis = from.length - 1; axis >= 0; axis--) {
            chunkNumel *= from[axis];
            boolean chunkEnds = axis == 0 || (from[axis - 1] != 1 && strides[axis - 1] != chunkNumel * chunkBase);
            if (!chunkEnds) continue;
            while (viewAxis >= 0 && (viewNumel < chunkNumel || to[viewAxis] == 1)) {
                result[viewAxis] = viewNumel * chunkBase;
                viewNumel *= to[viewAxis];
                viewAxis--;
            }
            if (viewNumel != chunkNumel) return null;
            if (axis > 0) {
                chunkBase = strides[axis - 1];
                chunkNumel = 1;
                viewNumel = 1;
            }
        }
        while (viewAxis >= 0 && to[viewAxis] == 1) result[viewAxis--] = chunkBase;   // rank-0 source
        return viewAxis == -1 ? result : null;
    }

    static Shape inferShape(Shape from, int[] newDims) {
        int infer = -1;
        long known = 1;
        for (int i = 0; i < newDims.length; i++) {
            if (newDims[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape " + from + " -> " + Arrays.toString(newDims) + ": more than one -1");
                infer = i;
            } else {
                known *= newDims[i];
            }
        }
        int[] d = newDims.clone();
        if (infer >= 0) {
            if (known == 0 || from.numel() % known != 0) {
                throw new IllegalArgumentException("reshape " + from + " -> " + Arrays.toString(newDims) + ": sizes do not divide");
            }
            d[infer] = (int) (from.numel() / known);
        }
        Shape s = Shape.of(d);
        if (s.numel() != from.numel()) {
            throw new IllegalArgumentException("reshape " + from + " -> " + s + ": element counts differ (" + from.numel() + " vs " + s.numel() + ")");
        }
        return s;
    }

    /** Reorders axes: result axis i is this layout's axis {@code order[i]}. */
    public Layout permute(int... order) {
        if (order.length != rank()) throw new IllegalArgumentException("permute " + Arrays.toString(order) + " for shape " + shape);
        int[] d = shape.dims();
        int[] nd = new int[order.length];
        long[] ns = new long[order.length];
        boolean[] seen = new boolean[order.length];
        for (int i = 0; i < order.length; i++) {
            int a = shape.axis(order[i]);
            if (seen[a]) throw new IllegalArgumentException("permute " + Arrays.toString(order) + ": axis repeated");
            seen[a] = true;
            nd[i] = d[a];
            ns[i] = strides[a];
        }
        return new Layout(Shape.of(nd), ns, offset);
    }

    public Layout transpose(int a, int b) {
        int[] order = new int[rank()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        int x = shape.axis(a), y = shape.axis(b);
        order[x] = y;
        order[y] = x;
        return permute(order);
    }

    /** The sub-range [start, start+length) of one axis. */
    public Layout narrow(int axis, int start, int length) {
        int a = shape.axis(axis);
        int size = shape.dim(a);
        if (start < 0 || length < 0 || start + length > size) {
            throw new IndexOutOfBoundsException("narrow axis " + axis + " [" + start + ", " + (start + length) + ") outside size " + size + " of " + shape);
        }
        return new Layout(shape.with(a, length), strides, offset + start * strides[a]);
    }

    /** Broadcasts size-1 axes (and new leading axes) to {@code target} with stride 0. */
    public Layout expand(Shape target) {
        int r = target.rank();
        if (r < rank()) throw new IllegalArgumentException("expand " + shape + " -> " + target + ": target has fewer axes");
        long[] ns = new long[r];
        int[] d = shape.dims();
        for (int i = 0; i < r; i++) {
            int src = i - (r - rank());
            if (src < 0) { ns[i] = 0; continue; }
            if (d[src] == target.dim(i)) ns[i] = strides[src];
            else if (d[src] == 1) ns[i] = 0;
            else throw new IllegalArgumentException("expand " + shape + " -> " + target + ": axis " + src + " has size " + d[src]);
        }
        return new Layout(target, ns, offset);
    }

    public Layout unsqueeze(int axis) {
        int a = axis < 0 ? axis + rank() + 1 : axis;
        if (a < 0 || a > rank()) throw new IllegalArgumentException("unsqueeze axis " + axis + " for shape " + shape);
        int[] d = shape.dims();
        int[] nd = new int[d.length + 1];
        long[] ns = new long[d.length + 1];
        for (int i = 0, j = 0; i < nd.length; i++) {
            if (i == a) { nd[i] = 1; ns[i] = 0; continue; }
            nd[i] = d[j];
            ns[i] = strides[j++];
        }
        return new Layout(Shape.of(nd), ns, offset);
    }

    public Layout squeeze(int axis) {
        int a = shape.axis(axis);
        if (shape.dim(a) != 1) throw new IllegalArgumentException("squeeze axis " + axis + " of size " + shape.dim(a) + " in " + shape);
        int[] d = shape.dims();
        int[] nd = new int[d.length - 1];
        long[] ns = new long[d.length - 1];
        for (int i = 0, j = 0; i < d.length; i++) {
            if (i == a) continue;
            nd[j] = d[i];
            ns[j++] = strides[i];
        }
        return new Layout(Shape.of(nd), ns, offset);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Layout l && shape.equals(l.shape) && Arrays.equals(strides, l.strides) && offset == l.offset;
    }

    @Override
    public int hashCode() { return shape.hashCode() * 31 + Arrays.hashCode(strides) + Long.hashCode(offset); }

    @Override
    public String toString() { return "Layout" + shape + " strides " + Arrays.toString(strides) + " offset " + offset; }
}
