package dev.hone.tensor;

import dev.hone.tensor.reference.ReferenceBackend;
import dev.hone.tensor.spi.CompareOp;
import dev.hone.tensor.spi.RandomKind;
import dev.hone.tensor.spi.UnaryOp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The eager op layer's contract beyond arithmetic: argument errors name the op and both shapes or
 * dtypes, no implicit casts, and the small hand-checkable semantics of sumTo, cat, in-place ops,
 * where, cast and copyInto (expected values worked out by hand in the comments).
 */
class OpsValidationTest {
    private final ReferenceBackend backend = new ReferenceBackend();
    private Scope scope;

    @BeforeEach
    void open() { scope = Scope.open(backend); }

    @AfterEach
    void close() {
        scope.close();
        backend.close();
    }

    private static void assertRejected(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
    }

    @Test
    void errorsNameOpShapesAndDtypes() {
        Tensor f23 = Tensor.zeros(DType.F32, 2, 3), f4 = Tensor.zeros(DType.F32, 4), b3 = Tensor.zeros(DType.BF16, 3);
        assertRejected(() -> Ops.add(f23, f4), "add", "[2, 3]", "[4]");
        assertRejected(() -> Ops.mul(f23, b3), "mul", "F32", "BF16", "[2, 3]", "[3]");
        assertRejected(() -> Ops.matmul(f23, Tensor.zeros(DType.F32, 4, 5)), "matmul", "[2, 3] F32", "[4, 5] F32");
        assertRejected(() -> Ops.matmul(f4, f23), "matmul", "rank >= 2", "[4]");
        assertRejected(() -> Ops.exp(Tensor.zeros(DType.I32, 2)), "unary EXP", "I32");
        assertRejected(() -> Ops.sum(f23, false, 2), "sum", "axis 2", "[2, 3]");
        assertRejected(() -> Ops.gather(f23, 0, Tensor.zeros(DType.F32, 2, 3)), "gather", "I32 or I64");
        assertRejected(() -> Ops.where(Tensor.zeros(DType.F32, 3), f23, f23), "where", "cond", "BOOL");
        assertRejected(() -> Ops.cat(0, f23, f4), "cat", "[2, 3]", "[4]");
        assertRejected(() -> Ops.addInPlace(f4.narrow(0, 0, 1).expand(4), f4), "addInPlace", "broadcast");
        assertRejected(() -> Ops.sumTo(f23, Shape.of(4)), "sumTo", "[4]", "[2, 3]");
        assertRejected(() -> Ops.matmulInto(f23, Tensor.zeros(DType.F32, 3, 2), Tensor.zeros(DType.F32, 2, 3), 1, 0),
                "matmulInto", "out", "[2, 2]", "[2, 3]");
        assertRejected(() -> Ops.matmulSumInto(f23, Tensor.zeros(DType.F32, 3, 4), 1, f23, Tensor.zeros(DType.F32, 3, 5), 1,
                Tensor.zeros(DType.F32, 2, 4), 0), "matmulSumInto", "differ in shape", "[3, 4]", "[3, 5]");
        assertRejected(() -> Ops.matmulSumInto(f23, Tensor.zeros(DType.F32, 3, 4), 1, f4, Tensor.zeros(DType.F32, 4, 4), 1,
                Tensor.zeros(DType.F32, 2, 4), 0), "matmulSumInto", "matrices", "[4] F32");
        Tensor n34 = Tensor.zeros(DType.F32, 3, 4), h24 = Tensor.zeros(DType.F32, 2, 4);
        assertRejected(() -> Ops.narrowProductsInto(f23, n34, null, h24, 1, Tensor.zeros(DType.F32, 3, 4)),
                "narrowProductsInto", "come together", "xn null");
        assertRejected(() -> Ops.narrowProductsInto(f23, null, null, h24, 1, Tensor.zeros(DType.F32, 2, 4)),
                "narrowProductsInto", "accumulate", "[3, 4]", "[2, 4]");
        assertRejected(() -> Ops.narrowProductsInto(f23, n34, Tensor.zeros(DType.F32, 3, 4), h24, 1, Tensor.zeros(DType.F32, 3, 4)),
                "narrowProductsInto", "xn", "[2, 4]", "[3, 4]");
        assertRejected(() -> Ops.narrowProductsInto(f23, null, null, Tensor.zeros(DType.BF16, 2, 4), 1, Tensor.zeros(DType.F32, 3, 4)),
                "narrowProductsInto", "F32", "BF16");
        assertRejected(() -> Ops.narrowProductsInto(f23, null, null, h24, 1, Tensor.zeros(DType.I32, 3, 4)),
                "narrowProductsInto", "accumulate must be F32", "I32");
    }

    @Test
    void gatherOutOfRangeNamesIndexAndAxisSize() {
        Tensor x = Tensor.zeros(DType.F32, 3, 2);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> Ops.gather(x, 0, Tensor.ofLongs(new long[] {0, 7}, 1, 2)));
        assertTrue(e.getMessage().contains("index 7") && e.getMessage().contains("axis 0") && e.getMessage().contains("size 3"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> Ops.indexSelect(x, Tensor.ofInts(new int[] {-1}, 1)));
    }

    @Test
    void sumToUndoesBroadcasting() {
        Tensor x = Tensor.of(DType.F32, new double[] {1, 2, 3, 4, 5, 6}, 2, 3);   // [[1,2,3],[4,5,6]]
        assertArrayEquals(new double[] {5, 7, 9}, Ops.sumTo(x, Shape.of(3)).toDoubleArray());
        assertArrayEquals(new double[] {6, 15}, Ops.sumTo(x, Shape.of(2, 1)).toDoubleArray());
        assertEquals(Shape.of(1, 1), Ops.sumTo(x, Shape.of(1, 1)).shape());
        assertEquals(21, Ops.sumTo(x, Shape.scalar()).item());
        assertSame(x, Ops.sumTo(x, Shape.of(2, 3)));
    }

    @Test
    void inPlaceOpsWriteThroughViews() {
        Tensor acc = Tensor.zeros(DType.F32, 3, 2);
        Tensor column = acc.narrow(1, 1, 1);                                     // second column, a strided view
        Ops.addInPlace(column, Tensor.of(DType.F32, new double[] {1, 2, 3}, 3, 1));
        Ops.addInPlace(acc, Tensor.of(DType.F32, new double[] {10, 20}, 2));     // broadcast row
        assertArrayEquals(new double[] {10, 21, 10, 22, 10, 23}, acc.toDoubleArray());
        Ops.fill(acc.narrow(0, 2, 1), -1);
        Ops.copyInto(Tensor.of(DType.F32, new double[] {7}, 1), acc.narrow(0, 0, 1));
        assertArrayEquals(new double[] {7, 7, 10, 22, -1, -1}, acc.toDoubleArray());
    }

    @Test
    void catWhereCastCompare() {
        Tensor a = Tensor.of(DType.F32, new double[] {1, 2}, 2, 1), b = Tensor.of(DType.F32, new double[] {3, 4, 5, 6}, 2, 2);
        assertArrayEquals(new double[] {1, 3, 4, 2, 5, 6}, Ops.cat(1, a, b).toDoubleArray());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, Ops.cat(0, a.reshape(2), b.reshape(4)).toDoubleArray());
        Tensor mask = Ops.compare(CompareOp.GT, b, Tensor.of(DType.F32, new double[] {4}, 1)); // [[F,F],[T,T]]
        assertEquals(DType.BOOL, mask.dtype());
        assertArrayEquals(new double[] {1, 1, 5, 6}, Ops.where(mask, b, a).toDoubleArray());
        Tensor x = Tensor.of(DType.F32, new double[] {-2.7, 2.7, 0.5}, 3);
        assertSame(x, Ops.cast(x, DType.F32));
        assertArrayEquals(new long[] {-2, 2, 0}, Ops.cast(x, DType.I32).toLongArray());   // truncation toward zero
        assertArrayEquals(new double[] {1, 1, 1}, Ops.cast(x, DType.BOOL).toDoubleArray());
        assertEquals(Float.intBitsToFloat(0x402d0000), Ops.cast(x, DType.BF16).getFloat(1)); // 2.7 -> bf16 2.703125
        assertArrayEquals(new long[] {2, 1}, Ops.unary(UnaryOp.ABS, Tensor.ofInts(new int[] {-2, 1}, 2)).toLongArray());
        assertArrayEquals(new long[] {2, -1}, Ops.neg(Tensor.ofInts(new int[] {-2, 1}, 2)).toLongArray());
    }

    @Test
    void randomIsDeterministicPerSeedAndElement() {
        double[] first = Ops.random(RandomKind.NORMAL, 7, 0, 1, DType.F32, 4, 5).toDoubleArray();
        double[] again = Ops.random(RandomKind.NORMAL, 7, 0, 1, DType.F32, 20).toDoubleArray();
        assertArrayEquals(first, again, "same seed, same element index, whatever the shape");
        double[] other = Ops.random(RandomKind.NORMAL, 8, 0, 1, DType.F32, 20).toDoubleArray();
        assertTrue(first[0] != other[0] || first[1] != other[1]);
        for (double u : Ops.random(RandomKind.UNIFORM, 3, 2, 5, DType.F64, 200).toDoubleArray()) assertTrue(u >= 2 && u < 5);
    }
}
