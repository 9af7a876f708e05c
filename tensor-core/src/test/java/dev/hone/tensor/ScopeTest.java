package dev.hone.tensor;

import dev.hone.tensor.reference.ReferenceBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scope ownership: nesting, keep, transferTo, free, close order, and use after release. */
class ScopeTest {
    private final ReferenceBackend backend = new ReferenceBackend();

    @AfterEach
    void closeBackend() { backend.close(); }

    private long live() { return backend.memoryStats().liveBuffers(); }

    @Test
    void closingReleasesEverythingItOwns() {
        long baseline = live();
        Tensor t;
        try (Scope s = Scope.open(backend)) {
            t = Tensor.zeros(DType.F32, 4);
            Ops.add(t, 1.0);
            assertEquals(3, s.ownedCount());                                  // t, the scalar 1.0, the sum
            assertEquals(baseline + 3, live());
        }
        assertEquals(baseline, live());
        assertTrue(t.storage().isReleased());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.getDouble(0));
        assertTrue(e.getMessage().contains("after release"), e.getMessage());
    }

    @Test
    void nestedScopesKeepAndTransfer() {
        long baseline = live();
        try (Scope outer = Scope.open(backend)) {
            Tensor kept, moved, dropped;
            try (Scope inner = Scope.open()) {
                assertSame(inner, Scope.current());
                assertSame(backend, inner.backend());
                kept = inner.keep(Tensor.ones(DType.F32, 3));
                moved = inner.transferTo(Tensor.ones(DType.F32, 2), outer);
                dropped = Tensor.ones(DType.F32, 5);
            }
            assertSame(outer, Scope.current());
            assertEquals(1.0, kept.getDouble(2));
            assertEquals(1.0, moved.getDouble(1));
            assertTrue(dropped.storage().isReleased());
            assertEquals(2, outer.ownedCount());
        }
        assertEquals(baseline, live());
        assertFalse(Scope.isOpen());
    }

    @Test
    void freeReleasesEarly() {
        try (Scope s = Scope.open(backend)) {
            Tensor big = Tensor.zeros(DType.F32, 1024);
            long before = live();
            s.free(big);
            assertEquals(before - 1, live());
            assertTrue(big.storage().isReleased());
            assertEquals(0, s.ownedCount());
        }
    }

    @Test
    void misuseThrows() {
        assertThrows(IllegalStateException.class, Scope::current);
        assertThrows(IllegalStateException.class, () -> Tensor.zeros(DType.F32, 2));
        try (Scope outer = Scope.open(backend)) {
            assertThrows(IllegalStateException.class, () -> outer.keep(Tensor.zeros(DType.F32, 1)));
            Scope inner = Scope.open();
            IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
            assertTrue(e.getMessage().contains("innermost"), e.getMessage());
            Tensor foreign = Tensor.zeros(DType.F32, 1);
            inner.close();
            assertThrows(IllegalStateException.class, () -> outer.transferTo(foreign, outer));
            assertThrows(IllegalStateException.class, () -> inner.adopt(backend.allocate(DType.F32, 1)));
        }
    }
}
