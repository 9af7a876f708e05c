package dev.hone.cuda.kernel;

import dev.hone.tensor.Layout;
import dev.hone.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The host image of common.cuh's struct Indexer: offsets at 0, strides at 32, dims at 288, rank at 320. */
class IndexerTest {

    @Test
    void packsOffsetsStridesDimsAndRankAtTheStructOffsets() {
        Layout out = Layout.contiguous(Shape.of(2, 3));
        Layout transposed = Layout.contiguous(Shape.of(3, 2)).transpose(0, 1);
        Layout window = new Layout(Shape.of(2, 3), new long[] {10, 1}, 5);
        ByteBuffer b = ByteBuffer.wrap(Indexer.of(Shape.of(2, 3), out, transposed, window).bytes()).order(ByteOrder.LITTLE_ENDIAN);

        assertThat(b.capacity()).isEqualTo(328);
        assertThat(new long[] {b.getLong(0), b.getLong(8), b.getLong(16)}).containsExactly(0, 0, 5);
        assertThat(new long[] {b.getLong(32), b.getLong(40)}).containsExactly(3, 1);            // operand 0
        assertThat(new long[] {b.getLong(32 + 64), b.getLong(40 + 64)}).containsExactly(1, 2);  // operand 1
        assertThat(new long[] {b.getLong(32 + 128), b.getLong(40 + 128)}).containsExactly(10, 1);
        assertThat(new int[] {b.getInt(288), b.getInt(292)}).containsExactly(2, 3);
        assertThat(b.getInt(320)).isEqualTo(2);
    }

    @Test
    void dropsUnitAxesSoNineDimensionalViewsWithOnesStillFit() {
        Shape shape = Shape.of(1, 2, 1, 1, 1, 1, 1, 1, 3);
        ByteBuffer b = ByteBuffer.wrap(Indexer.of(shape, Layout.contiguous(shape)).bytes()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(320)).isEqualTo(2);
        assertThat(new int[] {b.getInt(288), b.getInt(292)}).containsExactly(2, 3);
    }

    @Test
    void rejectsMoreThanEightRealAxesNamingTheShape() {
        Shape shape = Shape.of(2, 2, 2, 2, 2, 2, 2, 2, 2);
        assertThatThrownBy(() -> Indexer.of(shape, Layout.contiguous(shape)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 2, 2, 2, 2, 2, 2, 2, 2]").hasMessageContaining("at most 8");
    }
}
