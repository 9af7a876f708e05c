package dev.hone.autograd;

import dev.hone.tensor.Ops;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;

/**
 * Shape and view operations with gradients. Forwards return views where {@link Tensor} can (reshape
 * where the strides allow, permute, transpose, narrow, expand, unsqueeze, squeeze) and copy otherwise;
 * each gradient maps dy back through the inverse view: reshape back, inverse permutation, scatter into
 * zeros for narrow, sum over expanded axes, slices for cat. One static method per constant below.
 */
public enum ShapeFn implements DiffOp {
    RESHAPE, PERMUTE, TRANSPOSE, NARROW, EXPAND, UNSQUEEZE, SQUEEZE, CAT;

    @Override
    public String opName() { return name().toLowerCase(); }

    /**
     * A reshape of x (one -1 inferred), a view whenever x's strides allow (the heads of a narrowed fused
     * projection split without a copy), else a copy; gradient: dy reshaped to x's shape.
     */
    public static Tensor reshape(Tensor x, int... dims) {
        Tape.Recording rec = Tape.track(RESHAPE, x);
        Tensor y = x.reshapeViewOrCopy(dims);
        int[] original = x.shape().dims();
        return rec.record(y, dy -> new Tensor[] {dy.reshape(original)});
    }

    /** Axis i of the result is axis order[i] of x; gradient: dy permuted by the inverse order. */
    public static Tensor permute(Tensor x, int... order) {
        Tape.Recording rec = Tape.track(PERMUTE, x);
        Tensor y = x.permute(order);
        int[] inverse = new int[order.length];
        for (int i = 0; i < order.length; i++) inverse[x.shape().axis(order[i])] = i;
        return rec.record(y, dy -> new Tensor[] {dy.permute(inverse)});
    }

    public static Tensor transpose(Tensor x, int a, int b) {
        Tape.Recording rec = Tape.track(TRANSPOSE, x);
        Tensor y = x.transpose(a, b);
        return rec.record(y, dy -> new Tensor[] {dy.transpose(a, b)});
    }

    /**
     * The range [start, start + length) of one axis; gradient: dy added into that window of x's gradient
     * (the tape does it in place, see {@link Tape.Recording#recordWindow}).
     */
    public static Tensor narrow(Tensor x, int axis, int start, int length) {
        Tape.Recording rec = Tape.track(NARROW, x);
        Tensor y = x.narrow(axis, start, length);
        return rec.recordWindow(y, x.shape().axis(axis), start, length);
    }

    /** Broadcast of size-1 (and new leading) axes; gradient: dy summed back to x's shape. */
    public static Tensor expand(Tensor x, Shape shape) {
        Tape.Recording rec = Tape.track(EXPAND, x);
        Tensor y = x.expand(shape);
        return rec.record(y, dy -> new Tensor[] {Ops.sumTo(dy, x.shape())});
    }

    public static Tensor unsqueeze(Tensor x, int axis) {
        Tape.Recording rec = Tape.track(UNSQUEEZE, x);
        Tensor y = x.unsqueeze(axis);
        int inserted = axis < 0 ? axis + x.rank() + 1 : axis;
        return rec.record(y, dy -> new Tensor[] {dy.squeeze(inserted)});
    }

    public static Tensor squeeze(Tensor x, int axis) {
        Tape.Recording rec = Tape.track(SQUEEZE, x);
        Tensor y = x.squeeze(axis);
        int removed = x.shape().axis(axis);
        return rec.record(y, dy -> new Tensor[] {dy.unsqueeze(removed)});
    }

    /** Concatenation along {@code axis}; gradient: the matching slice of dy for each part. */
    public static Tensor cat(int axis, Tensor... parts) {
        if (parts.length == 0) throw new IllegalArgumentException("cat: no tensors");
        Tape.Recording rec = Tape.track(CAT, parts);
        Tensor y = Ops.cat(axis, parts);
        int a = parts[0].shape().axis(axis);
        return rec.record(y, dy -> {
            Tensor[] dx = new Tensor[parts.length];
            int offset = 0;
            for (int i = 0; i < parts.length; i++) {
                int length = parts[i].dim(a);
                if (rec.needs(i)) dx[i] = dy.narrow(a, offset, length);
                offset += length;
            }
            return dx;
        });
    }
}
