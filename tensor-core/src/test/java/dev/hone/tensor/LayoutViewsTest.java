package dev.hone.tensor;

import dev.hone.tensor.reference.ReferenceBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shape and Layout view semantics: every view shares its tensor's storage (no copy, checked by
 * identity and by writing through the view), strides and offsets are the hand-derived row-major ones,
 * and contiguous() copies exactly when the layout is not row-major.
 */
class LayoutViewsTest {
    private final ReferenceBackend backend = new ReferenceBackend();
    private Scope scope;

    @BeforeEach
    void open() { scope = Scope.open(backend); }

    @AfterEach
    void close() {
        scope.close();
        backend.close();
    }

    /** [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]] */
    private static Tensor iota34() {
        double[] v = new double[12];
        for (int i = 0; i < 12; i++) v[i] = i;
        return Tensor.of(DType.F32, v, 3, 4);
    }

    @Test
    void contiguousStridesAndBroadcastShapes() {
        assertArrayEquals(new long[] {12, 4, 1}, Shape.of(2, 3, 4).contiguousStrides());
        assertEquals(24, Shape.of(2, 3, 4).numel());
        assertEquals(2, Shape.of(2, 3, 4).axis(-1));
        assertEquals(Shape.of(2, 3, 4), Shape.broadcast("add", Shape.of(3, 1), Shape.of(2, 1, 4)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shape.broadcast("add", Shape.of(3), Shape.of(4)));
        assertTrue(e.getMessage().contains("add") && e.getMessage().contains("[3]") && e.getMessage().contains("[4]"), e.getMessage());
    }

    @Test
    void emptyLikeInStrideOrderLaysAxesOutInTheSourceOrder() {
        Tensor base = Tensor.zeros(DType.F32, 2, 5, 3, 4);                 // [B, T, H, D]
        Tensor heads = base.permute(0, 2, 1, 3);                            // [B, H, T, D] view, strides {60, 4, 12, 1}
        Tensor out = heads.emptyLikeInStrideOrder();
        assertEquals(heads.shape(), out.shape());
        assertNotSame(heads.storage(), out.storage());
        assertArrayEquals(new long[] {60, 4, 12, 1}, out.layout().strides());
        assertTrue(out.permute(0, 2, 1, 3).isContiguous());              // back to [B, T, H, D] without a copy
        Tensor narrowed = base.narrow(3, 1, 2).permute(0, 2, 1, 3);         // gaps in the source: dense result
        assertArrayEquals(new long[] {30, 2, 6, 1}, narrowed.emptyLikeInStrideOrder().layout().strides());
        Tensor plain = Tensor.zeros(DType.F32, 3, 4);
        assertArrayEquals(plain.layout().strides(), plain.emptyLikeInStrideOrder().layout().strides());
        Tensor broadcast = Tensor.zeros(DType.F32, 1, 4).expand(3, 4);      // stride 0 goes last; every element gets memory
        Tensor dense = broadcast.emptyLikeInStrideOrder();
        assertArrayEquals(new long[] {1, 3}, dense.layout().strides());
        assertTrue(dense.storage().segment().byteSize() >= 12 * 4);
    }

    @Test
    void viewsShareStorage() {
        Tensor t = iota34();
        Tensor[] views = {t.reshape(2, 6), t.reshape(-1), t.permute(1, 0), t.transpose(0, 1), t.mT(), t.narrow(1, 1, 2),
                t.unsqueeze(0), t.unsqueeze(0).squeeze(0), t.narrow(0, 0, 1).expand(5, 4)};
        for (Tensor v : views) assertSame(t.storage(), v.storage(), v.layout().toString());
        t.transpose(0, 1).set(100, 3, 2);                                   // element [2][3] of t
        assertEquals(100, t.getDouble(2, 3));
    }

    @Test
    void transposeNarrowExpandLayouts() {
        Tensor t = iota34();
        Tensor tr = t.transpose(0, 1);
        assertEquals(Shape.of(4, 3), tr.shape());
        assertArrayEquals(new long[] {1, 4}, tr.layout().strides());
        assertFalse(tr.isContiguous());
        assertArrayEquals(new double[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, tr.toDoubleArray());

        Tensor window = t.narrow(1, 1, 2);
        assertEquals(1, window.layout().offset());
        assertArrayEquals(new double[] {1, 2, 5, 6, 9, 10}, window.toDoubleArray());
        Tensor rows = t.narrow(0, 1, 2);
        assertEquals(4, rows.layout().offset());
        assertTrue(rows.isContiguous());

        Tensor row = t.narrow(0, 2, 1).expand(2, 4);
        assertArrayEquals(new long[] {0, 1}, row.layout().strides());
        assertArrayEquals(new double[] {8, 9, 10, 11, 8, 9, 10, 11}, row.toDoubleArray());
        Tensor lead = Tensor.of(DType.F32, new double[] {1, 2}, 2).expand(3, 2);
        assertArrayEquals(new long[] {0, 1}, lead.layout().strides());
        assertThrows(IllegalArgumentException.class, () -> t.expand(3, 5));
    }

    @Test
    void unsqueezeSqueezePermute() {
        Tensor t = iota34();
        assertEquals(Shape.of(3, 1, 4), t.unsqueeze(1).shape());
        assertEquals(Shape.of(3, 4, 1), t.unsqueeze(-1).shape());
        assertEquals(Shape.of(3, 4), t.unsqueeze(1).squeeze(1).shape());
        assertThrows(IllegalArgumentException.class, () -> t.squeeze(0));
        Tensor cube = t.reshape(3, 2, 2).permute(2, 0, 1);
        assertEquals(Shape.of(2, 3, 2), cube.shape());
        assertArrayEquals(new long[] {1, 4, 2}, cube.layout().strides());
        assertEquals(5, cube.getDouble(1, 1, 0));                          // t.reshape(3,2,2)[1][0][1] = 5
        assertThrows(IllegalArgumentException.class, () -> t.permute(0, 0));
    }

    @Test
    void reshapeOfNonContiguousCopiesOtherwiseViews() {
        Tensor t = iota34();
        Tensor tr = t.transpose(0, 1);
        assertThrows(IllegalStateException.class, () -> tr.layout().reshape(12));
        Tensor flat = tr.reshape(12);
        assertNotSame(t.storage(), flat.storage());
        assertArrayEquals(tr.toDoubleArray(), flat.toDoubleArray());
        Tensor copy = tr.contiguous();
        assertTrue(copy.isContiguous());
        assertNotSame(t.storage(), copy.storage());
        assertSame(t, t.contiguous());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.reshape(5, -1));
        assertTrue(e.getMessage().contains("[3, 4]"), e.getMessage());
    }

    @Test
    void stridedReshapeIsAViewWhenAxesOnlySplitOrMergeWithinMatchingStrides() {
        double[] v = new double[96];
        for (int i = 0; i < 96; i++) v[i] = i;
        Tensor base = Tensor.of(DType.F32, v, 8, 12);
        Tensor slice = base.narrow(1, 4, 6);                                // [8, 6], strides {12, 1}: a fused projection's piece
        Tensor heads = slice.reshapeViewOrCopy(2, 4, 2, 3);
        assertSame(base.storage(), heads.storage());
        assertArrayEquals(new long[] {48, 12, 3, 1}, heads.layout().strides());
        assertArrayEquals(slice.contiguous().reshape(2, 4, 2, 3).toDoubleArray(), heads.toDoubleArray());
        Tensor withOnes = slice.reshapeViewOrCopy(1, 8, 1, 6, 1);
        assertSame(base.storage(), withOnes.storage());
        assertArrayEquals(slice.toDoubleArray(), withOnes.toDoubleArray());
        assertFalse(slice.layout().reshapeView(48).isPresent());                         // rows 12 apart do not merge with 6 columns
        Tensor flat = slice.reshapeViewOrCopy(48);
        assertNotSame(base.storage(), flat.storage());
        assertArrayEquals(slice.toDoubleArray(), flat.toDoubleArray());
        Tensor transposed = base.transpose(0, 1);                           // [12, 8]: row-major order is not memory order
        assertFalse(transposed.layout().reshapeView(96).isPresent());
        assertTrue(transposed.layout().reshapeView(3, 4, 8).isPresent());                // splitting one axis is always a view
        assertArrayEquals(transposed.contiguous().reshape(3, 4, 8).toDoubleArray(), transposed.reshapeViewOrCopy(3, 4, 8).toDoubleArray());
        Tensor permuted = base.reshape(2, 4, 12).permute(1, 0, 2);          // [4, 2, 12]: merging 4 with 2 is not a view
        assertFalse(permuted.layout().reshapeView(8, 12).isPresent());
        assertFalse(permuted.layout().reshapeView(4, 24).isPresent());
        assertTrue(permuted.layout().reshapeView(4, 2, 3, 4).isPresent());
        assertTrue(slice.reshape(2, 4, 2, 3).isContiguous());               // reshape() itself still always gives a contiguous tensor
    }

    @Test
    void narrowOutOfRangeNamesTheAxis() {
        Tensor t = iota34();
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.narrow(1, 3, 2));
        assertTrue(e.getMessage().contains("size 4"), e.getMessage());
    }
}
