package dev.hone.autograd;

import dev.hone.tensor.Ops;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.CompareOp;

import java.util.Arrays;

/**
 * Reductions over a set of axes (none given = all axes), optionally keeping reduced axes as size 1.
 * Gradients are broadcast back over the reduced axes as stride-0 views (no copy): SUM passes dy,
 * MEAN divides by the number of reduced elements, MAX splits dy evenly among the elements that attain
 * the maximum (as torch.amax).
 */
public enum ReduceFn implements DiffOp {
    SUM {
        Tensor forward(Tensor x, boolean keepDims, int[] axes) { return Ops.sum(x, keepDims, axes); }

        Tensor gradient(Tensor x, Tensor yKept, Tensor dyKept, int[] axes) { return dyKept.expand(x.shape()); }
    },
    MEAN {
        Tensor forward(Tensor x, boolean keepDims, int[] axes) { return Ops.mean(x, keepDims, axes); }

        Tensor gradient(Tensor x, Tensor yKept, Tensor dyKept, int[] axes) {
            long count = x.numel() / yKept.numel();
            return Ops.mul(dyKept, 1.0 / count).expand(x.shape());
        }
    },
    MAX {
        Tensor forward(Tensor x, boolean keepDims, int[] axes) { return Ops.max(x, keepDims, axes); }

        Tensor gradient(Tensor x, Tensor yKept, Tensor dyKept, int[] axes) {
            Tensor attains = Ops.cast(Ops.compare(CompareOp.EQ, x, yKept.expand(x.shape())), x.dtype());
            Tensor ties = Ops.sum(attains, true, axes);
            return Ops.mul(attains, Ops.div(dyKept, ties));
        }
    };

    abstract Tensor forward(Tensor x, boolean keepDims, int[] axes);

    /** dx from the output and its gradient, both reshaped to keep-dims form. */
    abstract Tensor gradient(Tensor x, Tensor yKept, Tensor dyKept, int[] axes);

    @Override
    public String opName() { return name().toLowerCase(); }

    /** How a reduction shapes its result: with the reduced axes kept as size 1, or removed. */
    public enum Dims { KEEP, DROP }

    public Tensor apply(Tensor x, Dims dims, int... axes) {
        int[] normalised = normalise(x.shape(), axes);
        Tape.Recording rec = Tape.track(this, x);
        Tensor y = forward(x, dims == Dims.KEEP, normalised);
        int[] keptDims = x.shape().dims();
        for (int a : normalised) keptDims[a] = 1;
        return rec.record(y, dy -> new Tensor[] {gradient(x, y.reshape(keptDims), dy.reshape(keptDims), normalised)});
    }

    private int[] normalise(Shape shape, int[] axes) {
        if (axes.length == 0) {
            int[] all = new int[shape.rank()];
            for (int i = 0; i < all.length; i++) all[i] = i;
            return all;
        }
        int[] out = new int[axes.length];
        for (int i = 0; i < axes.length; i++) out[i] = shape.axis(axes[i]);
        Arrays.sort(out);
        for (int i = 1; i < out.length; i++) {
            if (out[i] == out[i - 1]) throw new IllegalArgumentException(opName() + ": axis repeated in " + Arrays.toString(axes) + " for " + shape);
        }
        return out;
    }
}
