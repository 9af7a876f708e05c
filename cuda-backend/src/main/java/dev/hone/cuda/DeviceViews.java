package dev.hone.cuda;

import dev.hone.tensor.DType;
import dev.hone.tensor.Device;
import dev.hone.tensor.Layout;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;

/**
 * Small helpers shared by the op classes: device addresses of tensors, kernel-name suffixes of dtypes,
 * and checks that name the op. Stateless.
 */
final class DeviceViews {
    private DeviceViews() { }

    /** Base device address of {@code t}'s storage (element 0, not the view's offset). */
    static long base(Tensor t) { return t.storage().segment().address(); }

    /** Device address of the view's first element; only meaningful for contiguous views. */
    static long first(Tensor t) { return base(t) + t.layout().offset() * t.dtype().byteSize(); }

    static void requireCuda(String op, Tensor t, int ordinal) {
        Device d = t.device();
        if (d.kind() != Device.Kind.CUDA || d.index() != ordinal) {
            throw new IllegalArgumentException(op + ": tensor " + t.shape() + " " + t.dtype() + " is on " + d + ", this backend is cuda:" + ordinal
                    + " (move it with CudaBackend.toDevice)");
        }
    }

    /** Kernel-name suffix of a dtype: f32, bf16, f16, f64, i8, u8, i32, i64, bool. */
    static String suffix(DType dtype) {
        return switch (dtype) {
            case F32 -> "f32";
            case BF16 -> "bf16";
            case F16 -> "f16";
            case F64 -> "f64";
            case I8 -> "i8";
            case U8 -> "u8";
            case I32 -> "i32";
            case I64 -> "i64";
            case BOOL -> "bool";
        };
    }

    /** Suffix of the dtype-blind kernels (copy, fill, where, gather) for an element size. */
    static String sizeSuffix(DType dtype) { return "b" + dtype.byteSize(); }

    static void requireDtype(String op, Tensor t, DType... allowed) {
        for (DType d : allowed) if (t.dtype() == d) return;
        throw new IllegalArgumentException(op + " on cuda: dtype " + t.dtype() + " of tensor " + t.shape() + " not supported (supported: "
                + java.util.Arrays.toString(allowed) + ")");
    }

    static void requireContiguous(String op, String name, Tensor t) {
        if (!t.isContiguous()) throw new IllegalArgumentException(op + " on cuda: output " + name + " " + t.shape() + " must be contiguous, got " + t.layout());
    }

    /** {@code layout} restricted to the listed axes. */
    static Layout select(Layout layout, int[] axes) {
        int[] dims = layout.shape().dims();
        long[] strides = layout.strides();
        int[] d = new int[axes.length];
        long[] s = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
            d[i] = dims[axes[i]];
            s[i] = strides[axes[i]];
        }
        return new Layout(Shape.of(d), s, layout.offset());
    }
}
