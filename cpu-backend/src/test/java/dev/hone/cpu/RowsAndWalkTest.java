package dev.hone.cpu;

import dev.hone.tensor.DType;
import dev.hone.tensor.Layout;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Rows#start} and {@link Walk#start} (which merge linear axes and take fast paths for one outer
 * axis and 32-bit row numbers) against the definition: offset + sum over axes of index * stride, for
 * contiguous, permuted, narrowed, broadcast and size-1-axis views.
 */
class RowsAndWalkTest {

    /** Element index of the row-major i-th element of a view, straight from its layout. */
    private static long definition(Layout layout, long flat) {
        int[] dims = layout.shape().dims();
        long[] strides = layout.strides();
        long at = layout.offset();
        for (int a = dims.length - 1; a >= 0; a--) {
            at += (flat % dims[a]) * strides[a];
            flat /= dims[a];
        }
        return at;
    }

    private static List<Tensor> views() {
        Tensor base = Tensor.zeros(DType.F32, 4, 3, 5, 6);                         // [4, 3, 5, 6]
        return List.of(
                base,
                base.permute(0, 2, 1, 3),                                           // attention's [B, H, T, D] of [B, T, H, D]
                base.permute(3, 1, 0, 2),
                base.narrow(3, 1, 4).narrow(0, 1, 2),                               // gaps between rows
                base.narrow(1, 0, 1),                                               // a size-1 axis
                Tensor.zeros(DType.F32, 3, 1, 6).expand(3, 5, 6),                   // a stride-0 outer axis
                Tensor.zeros(DType.F32, 7),                                         // no outer axis
                Tensor.zeros(DType.F32, 2, 3).narrow(1, 2, 1));                     // one column
    }

    @Test
    void rowStartsMatchTheLayoutDefinition() {
        try (Backend backend = Backends.open("cpu"); Scope ignored = Scope.open(backend)) {
            for (Tensor view : views()) {
                Rows rows = Rows.of(view);
                for (long r = 0; r < rows.rows; r++) {
                    assertThat(rows.start(r)).as("Rows.start(%d) of %s", r, view.layout()).isEqualTo(definition(view.layout(), r * rows.cols));
                }
            }
        }
    }

    @Test
    void walkStartsMatchTheLayoutDefinitionForEveryOperand() {
        try (Backend backend = Backends.open("cpu"); Scope ignored = Scope.open(backend)) {
            for (Tensor view : views()) {
                Tensor dense = Tensor.zeros(DType.F32, view.shape().dims());
                Walk walk = Walk.of(dense.layout(), view.layout());
                for (long flat = 0; flat < view.numel(); flat++) {
                    long row = flat / walk.cols, col = flat % walk.cols;
                    assertThat(walk.start(1, row, col)).as("Walk.start of element %d of %s", flat, view.layout())
                            .isEqualTo(definition(view.layout(), flat));
                    assertThat(walk.start(0, row, col)).isEqualTo(definition(dense.layout(), flat));
                }
            }
        }
    }
}
