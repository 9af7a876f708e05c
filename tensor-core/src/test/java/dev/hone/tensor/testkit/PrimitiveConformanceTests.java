package dev.hone.tensor.testkit;

import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.BinaryOp;
import dev.hone.tensor.spi.CompareOp;
import dev.hone.tensor.spi.RandomKind;
import dev.hone.tensor.spi.ReduceOp;
import dev.hone.tensor.spi.UnaryOp;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.Arrays;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The primitive half of the backend test kit: every value of {@link UnaryOp}, {@link BinaryOp},
 * {@link CompareOp}, {@link ReduceOp} and {@link RandomKind} is its own dynamic test (the enum is
 * enumerated, and input domains come from exhaustive switches, so a new enum value without coverage
 * does not compile), plus matmul, cast, copy, fill, where, gather and scatter-add. Sizes 1, 7, 17,
 * 33 and 129 hit the scalar tails of vector loops; {@link Variant}s give transposed, offset and
 * stride-0 inputs. Tolerances: see {@link BackendConformanceTests}.
 */
public abstract class PrimitiveConformanceTests extends ConformanceSupport {

    /** Shapes for elementwise tests: odd lengths so vector kernels run their tails. */
    protected static final List<int[]> ELEMENTWISE_SHAPES =
            List.of(new int[] {1}, new int[] {7}, new int[] {33}, new int[] {3, 17}, new int[] {5, 129}, new int[] {2, 3, 7});

    protected static final List<DType> FLOAT_TYPES = List.of(DType.F32, DType.BF16);

    private static String dims(int[] d) { return Arrays.toString(d); }

    // ---------------------------------------------------------------- unary

    /** Input range where the op is defined and well conditioned. */
    static double[] domain(UnaryOp op) {
        return switch (op) {
            case LOG, SQRT, RSQRT -> new double[] {0.1, 4};
            case RECIPROCAL -> new double[] {0.25, 4};
            case EXP, TANH, SIGMOID, SILU, GELU_TANH -> new double[] {-5, 5};
            case NEG, ABS, SQUARE, RELU, SIN, COS -> new double[] {-4, 4};
        };
    }

    @TestFactory
    Stream<DynamicTest> unaryOps() {
        return Arrays.stream(UnaryOp.values()).map(op -> DynamicTest.dynamicTest("unary " + op, check(() -> {
            double[] range = domain(op);
            long seed = 100 + op.ordinal();
            for (DType dtype : FLOAT_TYPES) {
                for (int[] shape : ELEMENTWISE_SHAPES) {
                    for (Variant variant : Variant.values()) {
                        if (!variant.appliesTo(shape)) continue;
                        Pair x = uniform(dtype, shape, variant, seed++, range[0], range[1]);
                        Pair y = new Pair(Ops.unary(op, x.expected()), Ops.unary(op, x.actual()));
                        assertClose("unary " + op + " " + dtype + " " + dims(shape) + " " + variant, y,
                                Tolerance.forOutput(dtype, Tolerance.F32_ELEMENTWISE));
                    }
                }
            }
            if (op == UnaryOp.NEG || op == UnaryOp.ABS) {
                Pair x = uniform(DType.I32, new int[] {3, 17}, Variant.OFFSET, seed, -1000, 1000);
                assertClose("unary " + op + " I32", new Pair(Ops.unary(op, x.expected()), Ops.unary(op, x.actual())), Tolerance.EXACT);
            }
        })));
    }

    // ---------------------------------------------------------------- binary

    /** Ranges for a and b: b away from 0 for DIV, positive bases for POW. */
    static double[][] domain(BinaryOp op, DType dtype) {
        boolean integer = !dtype.isFloating();
        return switch (op) {
            case ADD, SUB, MUL, MAX, MIN -> integer ? new double[][] {{-1000, 1000}, {-1000, 1000}} : new double[][] {{-3, 3}, {-3, 3}};
            case DIV -> integer ? new double[][] {{-1000, 1000}, {1, 50}} : new double[][] {{-3, 3}, {0.5, 3}};
            case POW -> integer ? new double[][] {{-4, 5}, {0, 5}} : new double[][] {{0.1, 3}, {-2, 2}};
        };
    }

    /** (a, b) view combinations: equal layouts, transposed against contiguous, offset against broadcast, ... */
    private static final Variant[][] BINARY_VARIANTS = {
            {Variant.CONTIGUOUS, Variant.CONTIGUOUS}, {Variant.TRANSPOSED, Variant.CONTIGUOUS},
            {Variant.OFFSET, Variant.BROADCAST}, {Variant.BROADCAST, Variant.TRANSPOSED}};

    @TestFactory
    Stream<DynamicTest> binaryOps() {
        return Arrays.stream(BinaryOp.values()).map(op -> DynamicTest.dynamicTest("binary " + op, check(() -> {
            long seed = 200 + 31L * op.ordinal();
            for (DType dtype : List.of(DType.F32, DType.BF16, DType.I32)) {
                double[][] range = domain(op, dtype);
                for (int[] shape : ELEMENTWISE_SHAPES) {
                    for (Variant[] variants : BINARY_VARIANTS) {
                        if (!variants[0].appliesTo(shape) || !variants[1].appliesTo(shape)) continue;
                        Pair a = uniform(dtype, shape, variants[0], seed++, range[0][0], range[0][1]);
                        Pair b = uniform(dtype, shape, variants[1], seed++, range[1][0], range[1][1]);
                        Pair y = new Pair(Ops.binary(op, a.expected(), b.expected()), Ops.binary(op, a.actual(), b.actual()));
                        assertClose("binary " + op + " " + dtype + " " + dims(shape) + " " + Arrays.toString(variants), y,
                                Tolerance.forOutput(dtype, Tolerance.F32_ELEMENTWISE));
                    }
                }
                Pair row = uniform(dtype, new int[] {17}, seed++, range[0][0], range[0][1]);
                Pair column = uniform(dtype, new int[] {7, 1}, seed++, range[1][0], range[1][1]);
                assertClose("binary " + op + " " + dtype + " [17] with [7, 1] broadcast",
                        new Pair(Ops.binary(op, row.expected(), column.expected()), Ops.binary(op, row.actual(), column.actual())),
                        Tolerance.forOutput(dtype, Tolerance.F32_ELEMENTWISE));
            }
        })));
    }

    @TestFactory
    Stream<DynamicTest> addInPlace() {
        return FLOAT_TYPES.stream().map(dtype -> DynamicTest.dynamicTest("addInPlace " + dtype, check(() -> {
            Pair acc = uniform(dtype, new int[] {5, 33}, Variant.OFFSET, 300, -2, 2);
            Pair x = uniform(dtype, new int[] {33}, 301, -2, 2);
            Ops.addInPlace(acc.expected(), x.expected());
            Ops.addInPlace(acc.actual(), x.actual());
            assertClose("addInPlace " + dtype + " [5, 33] += [33]", acc, Tolerance.forOutput(dtype, Tolerance.F32_ELEMENTWISE));
        })));
    }

    // ---------------------------------------------------------------- compare, where

    @TestFactory
    Stream<DynamicTest> compareOps() {
        return Arrays.stream(CompareOp.values()).map(op -> DynamicTest.dynamicTest("compare " + op, check(() -> {
            long seed = 400 + 7L * op.ordinal();
            for (DType dtype : List.of(DType.F32, DType.BF16, DType.I32)) {
                for (int[] shape : ELEMENTWISE_SHAPES) {
                    // small integers make ties (EQ, LE, GE) frequent
                    Pair a = castPair(uniform(DType.I32, shape, Variant.TRANSPOSED.appliesTo(shape) ? Variant.TRANSPOSED : Variant.OFFSET, seed++, -3, 3), dtype);
                    Pair b = castPair(uniform(DType.I32, shape, Variant.BROADCAST, seed++, -3, 3), dtype);
                    Pair y = new Pair(Ops.compare(op, a.expected(), b.expected()), Ops.compare(op, a.actual(), b.actual()));
                    assertClose("compare " + op + " " + dtype + " " + dims(shape), y, Tolerance.EXACT);
                }
            }
        })));
    }

    private Pair castPair(Pair p, DType dtype) { return new Pair(Ops.cast(p.expected(), dtype), Ops.cast(p.actual(), dtype)); }

    @TestFactory
    Stream<DynamicTest> where() {
        return Stream.of(DType.F32, DType.BF16, DType.I64).map(dtype -> DynamicTest.dynamicTest("where " + dtype, check(() -> {
            Pair cond = castPair(uniform(DType.I32, new int[] {7, 1}, 500, 0, 2), DType.BOOL);
            Pair a = uniform(dtype, new int[] {7, 33}, Variant.TRANSPOSED, 501, -100, 100);
            Pair b = uniform(dtype, new int[] {33}, 502, -100, 100);
            Pair y = new Pair(Ops.where(cond.expected(), a.expected(), b.expected()), Ops.where(cond.actual(), a.actual(), b.actual()));
            assertClose("where " + dtype, y, Tolerance.EXACT);
        })));
    }

    // ---------------------------------------------------------------- reductions

    private static final List<int[]> REDUCE_SHAPES = List.of(new int[] {7}, new int[] {3, 17}, new int[] {2, 5, 33}, new int[] {1, 129});

    @TestFactory
    Stream<DynamicTest> reduceOps() {
        return Arrays.stream(ReduceOp.values()).map(op -> DynamicTest.dynamicTest("reduce " + op, check(() -> {
            long seed = 600 + 13L * op.ordinal();
            Tolerance f32 = switch (op) {
                case SUM, MEAN -> Tolerance.F32_REDUCTION;
                case MAX, MIN, ARGMAX -> Tolerance.EXACT;
            };
            for (DType dtype : FLOAT_TYPES) {
                for (int[] shape : REDUCE_SHAPES) {
                    for (Variant variant : List.of(Variant.CONTIGUOUS, Variant.TRANSPOSED, Variant.OFFSET)) {
                        if (!variant.appliesTo(shape)) continue;
                        Pair x = uniform(dtype, shape, variant, seed++, -2, 2);
                        for (int[] axes : axisSets(shape.length, op == ReduceOp.ARGMAX)) {
                            Pair y = new Pair(Ops.reduce(op, x.expected(), true, axes), Ops.reduce(op, x.actual(), true, axes));
                            assertClose("reduce " + op + " " + dtype + " " + dims(shape) + " " + variant + " axes " + dims(axes), y,
                                    op == ReduceOp.ARGMAX ? Tolerance.EXACT : Tolerance.forOutput(dtype, f32));
                        }
                    }
                }
            }
        })));
    }

    /** Last axis, first axis, and (for multi-axis reductions) all axes and the outer pair. */
    private static List<int[]> axisSets(int rank, boolean singleAxis) {
        if (singleAxis) return rank == 1 ? List.of(new int[] {0}) : List.of(new int[] {rank - 1}, new int[] {0}, new int[] {rank / 2});
        return switch (rank) {
            case 1 -> List.of(new int[] {0});
            case 2 -> List.of(new int[] {1}, new int[] {0}, new int[] {0, 1});
            default -> List.of(new int[] {rank - 1}, new int[] {0}, new int[] {1}, new int[] {0, rank - 1}, new int[] {});
        };
    }

    // ---------------------------------------------------------------- matmul

    /** (M, K, N) sizes: degenerate, odd, and larger than common vector/tile widths. */
    private static final int[][] MATMUL_SIZES = {{1, 1, 1}, {7, 17, 33}, {33, 129, 7}, {17, 7, 129}, {2, 64, 5}};

    @TestFactory
    Stream<DynamicTest> matmulTransposeVariants() {
        Stream.Builder<DynamicTest> tests = Stream.builder();
        for (DType dtype : FLOAT_TYPES) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    String name = "matmul " + dtype + " a" + (transA ? "T" : "") + " @ b" + (transB ? "T" : "");
                    tests.add(DynamicTest.dynamicTest(name, check(() -> {
                        long seed = 700;
                        for (int[] mkn : MATMUL_SIZES) {
                            Pair a = uniform(dtype, new int[] {mkn[0], mkn[1]}, transA ? Variant.TRANSPOSED : Variant.CONTIGUOUS, seed++, -1, 1);
                            Pair b = uniform(dtype, new int[] {mkn[1], mkn[2]}, transB ? Variant.TRANSPOSED : Variant.CONTIGUOUS, seed++, -1, 1);
                            assertMatmul(name + " " + dims(mkn), a, b, dtype);
                        }
                    })));
                }
            }
        }
        return tests.build();
    }

    private void assertMatmul(String what, Pair a, Pair b, DType outType) {
        Pair y = new Pair(Ops.matmul(a.expected(), b.expected()), Ops.matmul(a.actual(), b.actual()));
        assertClose(what, y, Tolerance.forOutput(outType, Tolerance.matmulF32(a.shape().dim(-1))));
    }

    @TestFactory
    Stream<DynamicTest> matmulBatched() {
        return FLOAT_TYPES.stream().map(dtype -> DynamicTest.dynamicTest("matmul batched/broadcast " + dtype, check(() -> {
            Pair a = uniform(dtype, new int[] {2, 3, 7, 17}, 800, -1, 1);
            Pair b = uniform(dtype, new int[] {17, 33}, Variant.TRANSPOSED, 801, -1, 1);
            assertMatmul("[2,3,7,17] @ [17,33]^T-stored (batch broadcast)", a, b, dtype);
            Pair c = uniform(dtype, new int[] {3, 17, 5}, 802, -1, 1);
            assertMatmul("[2,3,7,17] @ [3,17,5]", a, c, dtype);
            Pair d = uniform(dtype, new int[] {2, 1, 7, 17}, Variant.OFFSET, 803, -1, 1);
            Pair e = uniform(dtype, new int[] {1, 3, 17, 5}, 804, -1, 1);
            assertMatmul("[2,1,7,17] offset @ [1,3,17,5]", d, e, dtype);
            Pair f = uniform(dtype, new int[] {4, 33, 9}, Variant.TRANSPOSED, 805, -1, 1);
            Pair g = uniform(dtype, new int[] {4, 9, 129}, Variant.TRANSPOSED, 806, -1, 1);
            assertMatmul("[4,33,9]^T-stored @ [4,9,129]^T-stored", f, g, dtype);
        })));
    }

    @TestFactory
    Stream<DynamicTest> matmulAlphaBeta() {
        return FLOAT_TYPES.stream().map(dtype -> DynamicTest.dynamicTest("matmul alpha/beta " + dtype, check(() -> {
            Pair a = uniform(dtype, new int[] {2, 7, 33}, 900, -1, 1);
            Pair b = uniform(dtype, new int[] {2, 33, 17}, Variant.TRANSPOSED, 901, -1, 1);
            for (DType outType : List.of(dtype, DType.F32)) {
                Pair out = uniform(outType, new int[] {2, 7, 17}, 902, -1, 1);
                matmulInto(a, b, out, 0.5f, 1.5f);
                assertClose("alpha 0.5 beta 1.5 into " + outType, out, Tolerance.forOutput(outType, Tolerance.matmulF32(33)));
                Pair poisoned = new Pair(Ops.full(out.expected(), outType, out.shape(), Double.NaN),
                        Ops.full(out.actual(), outType, out.shape(), Double.NaN));
                matmulInto(a, b, poisoned, -2f, 0f);
                assertClose("alpha -2 beta 0 ignores NaN in out (" + outType + ")", poisoned,
                        Tolerance.forOutput(outType, Tolerance.matmulF32(33)));
            }
        })));
    }

    /**
     * Two products summed into one output, shaped like a LoRA layer's y = x·Wᵀ + s·h·Bᵀ (wide depth plus
     * depth 16, weights read transposed) and its dx = g·W + s·(g·B)·A, with odd sizes, beta 0 over NaN and
     * beta 1; the expected side computes it as two matmuls (the SPI's default).
     */
    @TestFactory
    Stream<DynamicTest> matmulSum() {
        return FLOAT_TYPES.stream().map(dtype -> DynamicTest.dynamicTest("matmul sum of two products " + dtype, check(() -> {
            int[][] mnk = {{37, 45, 70, 16}, {130, 67, 300, 5}, {9, 200, 33, 1}};
            for (int[] s : mnk) {
                int m = s[0], n = s[1], k1 = s[2], k2 = s[3];
                Pair x = uniform(dtype, new int[] {m, k1}, Variant.OFFSET, 910, -1, 1);
                Pair w = uniform(dtype, new int[] {k1, n}, Variant.TRANSPOSED, 911, -1, 1);
                Pair h = uniform(dtype, new int[] {m, k2}, 912, -1, 1);
                Pair b = uniform(dtype, new int[] {k2, n}, Variant.TRANSPOSED, 913, -1, 1);
                String what = "[" + m + "x" + k1 + "]·[" + k1 + "x" + n + "] + [" + m + "x" + k2 + "]·[" + k2 + "x" + n + "]";
                Tolerance tolerance = Tolerance.forOutput(dtype, Tolerance.matmulF32(k1 + k2));
                Pair poisoned = new Pair(Ops.full(x.expected(), dtype, Shape.of(m, n), Double.NaN),
                        Ops.full(x.actual(), dtype, Shape.of(m, n), Double.NaN));
                matmulSumInto(x, w, h, b, poisoned, 0f);
                assertClose(what + " beta 0 over NaN", poisoned, tolerance);
                Pair out = uniform(DType.F32, new int[] {m, n}, 914, -1, 1);
                matmulSumInto(x, w, h, b, out, 1f);
                assertClose(what + " beta 1 into F32", out, Tolerance.forOutput(DType.F32, Tolerance.matmulF32(k1 + k2)));
            }
        })));
    }

    @TestFactory
    Stream<DynamicTest> narrowProducts() {
        return FLOAT_TYPES.stream().map(dtype -> DynamicTest.dynamicTest("narrow products over one pass " + dtype, check(() -> {
            // {M, K, r}: row counts off the 8-row blocks, r below, at, between and above whole vectors, r past
            // the fused path's widest (70), and a product too small for a second thread
            int[][] mkr = {{45, 70, 16}, {130, 67, 8}, {257, 33, 20}, {64, 96, 64}, {19, 40, 70}, {3, 5, 1}};
            for (int[] s : mkr) {
                int m = s[0], k = s[1], r = s[2];
                String what = "[" + m + "x" + k + "] with r " + r;
                Pair x = uniform(dtype, new int[] {m, k}, Variant.OFFSET, 920, -1, 1);
                Pair n = uniform(dtype, new int[] {k, r}, Variant.TRANSPOSED, 921, -1, 1);
                Pair h = uniform(dtype, new int[] {m, r}, Variant.OFFSET, 922, -1, 1);
                Pair xn = new Pair(Ops.full(x.expected(), dtype, Shape.of(m, r), Double.NaN),
                        Ops.full(x.actual(), dtype, Shape.of(m, r), Double.NaN));
                Pair accumulate = uniform(DType.F32, new int[] {k, r}, 923, -1, 1);
                narrowProductsInto(x, n, xn, h, accumulate);
                assertClose(what + ": x·n over NaN", xn, Tolerance.forOutput(dtype, Tolerance.matmulF32(k)));
                assertClose(what + ": accumulate += s·xᵀ·h", accumulate, Tolerance.forOutput(DType.F32, Tolerance.matmulF32(m)));
                Pair alone = uniform(dtype, new int[] {k, r}, 924, -1, 1);
                narrowProductsInto(x, null, null, h, alone);
                assertClose(what + ": accumulate alone", alone, Tolerance.forOutput(dtype, Tolerance.matmulF32(m)));
                Pair transposedBase = uniform(DType.F32, new int[] {r, k}, 925, -1, 1);
                narrowProductsInto(x, null, null, h, transposedBase.map(Tensor::mT));
                assertClose(what + ": accumulate alone into a transposed F32 view", transposedBase,
                        Tolerance.forOutput(DType.F32, Tolerance.matmulF32(m)));
                // beta 0 overwrites without reading: NaN in the actual output must not survive; the expected
                // side accumulates into zeros
                Pair fresh = new Pair(Ops.full(x.expected(), DType.F32, Shape.of(r, k), 0),
                        Ops.full(x.actual(), DType.F32, Shape.of(r, k), Double.NaN));
                Pair freshXn = new Pair(Ops.full(x.expected(), dtype, Shape.of(m, r), Double.NaN),
                        Ops.full(x.actual(), dtype, Shape.of(m, r), Double.NaN));
                Ops.narrowProductsInto(x.expected(), n.expected(), freshXn.expected(), h.expected(), 0.75f, fresh.expected().mT(), 1f);
                Ops.narrowProductsInto(x.actual(), n.actual(), freshXn.actual(), h.actual(), 0.75f, fresh.actual().mT(), 0f);
                assertClose(what + ": beta 0 over NaN into a transposed F32 view", fresh,
                        Tolerance.forOutput(DType.F32, Tolerance.matmulF32(m)));
                assertClose(what + ": x·n beside a beta-0 gradient", freshXn, Tolerance.forOutput(dtype, Tolerance.matmulF32(k)));
            }
        })));
    }

    private static void narrowProductsInto(Pair x, Pair n, Pair xn, Pair h, Pair accumulate) {
        Ops.narrowProductsInto(x.expected(), n == null ? null : n.expected(), xn == null ? null : xn.expected(), h.expected(),
                0.75f, accumulate.expected());
        Ops.narrowProductsInto(x.actual(), n == null ? null : n.actual(), xn == null ? null : xn.actual(), h.actual(),
                0.75f, accumulate.actual());
    }

    private static void matmulSumInto(Pair x, Pair w, Pair h, Pair b, Pair out, float beta) {
        Ops.matmulSumInto(x.expected(), w.expected(), 1f, h.expected(), b.expected(), 0.75f, out.expected(), beta);
        Ops.matmulSumInto(x.actual(), w.actual(), 1f, h.actual(), b.actual(), 0.75f, out.actual(), beta);
    }

    private static void matmulInto(Pair a, Pair b, Pair out, float alpha, float beta) {
        Ops.matmulInto(a.expected(), b.expected(), out.expected(), alpha, beta);
        Ops.matmulInto(a.actual(), b.actual(), out.actual(), alpha, beta);
    }

    // ---------------------------------------------------------------- cast, copy, fill

    @TestFactory
    Stream<DynamicTest> casts() {
        List<DType> types = List.of(DType.F32, DType.BF16, DType.F16, DType.I8, DType.U8, DType.I32, DType.I64, DType.BOOL);
        return types.stream().map(from -> DynamicTest.dynamicTest("cast from " + from, check(() -> {
            for (DType to : types) {
                double lo = from == DType.U8 || to == DType.U8 ? 0 : -100, hi = 100;
                Pair x = castPair(uniform(DType.F32, new int[] {3, 33}, Variant.TRANSPOSED, 1000 + to.ordinal(), lo, hi), from);
                Pair y = new Pair(Ops.cast(x.expected(), to), Ops.cast(x.actual(), to));
                assertClose("cast " + from + " -> " + to, y, Tolerance.EXACT);
            }
        })));
    }

    @TestFactory
    Stream<DynamicTest> copyAndFill() {
        return Stream.of(DType.F32, DType.BF16, DType.I64, DType.U8).map(dtype -> DynamicTest.dynamicTest("copy and fill " + dtype, check(() -> {
            Pair src = uniform(dtype, new int[] {7, 33}, Variant.BROADCAST, 1100, 0, 100);
            Pair base = zeros(dtype, 33, 9);
            Pair dst = base.map(t -> t.narrow(1, 1, 7).transpose(0, 1));
            Ops.copyInto(src.expected(), dst.expected());
            Ops.copyInto(src.actual(), dst.actual());
            assertClose("copy " + dtype + " broadcast src into transposed window (whole base compared)", base, Tolerance.EXACT);
            Pair window = base.map(t -> t.narrow(0, 3, 17).narrow(1, 2, 5));
            Ops.fill(window.expected(), 42);
            Ops.fill(window.actual(), 42);
            assertClose("fill " + dtype + " window (whole base compared)", base, Tolerance.EXACT);
        })));
    }

    // ---------------------------------------------------------------- gather, scatter-add

    @TestFactory
    Stream<DynamicTest> gatherAndScatterAdd() {
        return Stream.of(DType.I32, DType.I64).flatMap(indexType -> Stream.of(0, 1).map(axis ->
                DynamicTest.dynamicTest("gather/scatterAdd " + indexType + " axis " + axis, check(() -> {
                    int[] xDims = {5, 7};
                    int[] indexDims = axis == 0 ? new int[] {9, 7} : new int[] {5, 11};
                    Pair x = uniform(DType.F32, xDims, Variant.TRANSPOSED, 1200, -5, 5);
                    Pair index = castPair(uniform(DType.F32, indexDims, 1201, 0, xDims[axis]), indexType);
                    Pair gathered = new Pair(Ops.gather(x.expected(), axis, index.expected()), Ops.gather(x.actual(), axis, index.actual()));
                    assertClose("gather axis " + axis, gathered, Tolerance.EXACT);
                    Pair src = uniform(DType.F32, indexDims, 1202, -5, 5);
                    Pair out = uniform(DType.F32, xDims, Variant.OFFSET, 1203, -1, 1);
                    Ops.scatterAdd(out.expected(), axis, index.expected(), src.expected());
                    Ops.scatterAdd(out.actual(), axis, index.actual(), src.actual());
                    assertClose("scatterAdd axis " + axis + " (repeated indices)", out, Tolerance.F32_ELEMENTWISE);
                    Pair bad = castPair(uniform(DType.F32, indexDims, 1204, xDims[axis], xDims[axis] + 3), indexType);
                    IndexOutOfBoundsException error = assertThrows(IndexOutOfBoundsException.class,
                            () -> Ops.gather(x.actual(), axis, bad.actual()));
                    assertTrue(error.getMessage().contains("size " + xDims[axis]), error.getMessage());
                }))));
    }

    @TestFactory
    Stream<DynamicTest> indexSelectAndIndexAdd() {
        return FLOAT_TYPES.stream().map(dtype -> DynamicTest.dynamicTest("indexSelect/indexAdd " + dtype, check(() -> {
            Pair table = uniform(dtype, new int[] {11, 33}, 1300, -1, 1);
            Pair ids = castPair(uniform(DType.F32, new int[] {2, 7}, 1301, 0, 11), DType.I32);
            Pair rows = new Pair(Ops.indexSelect(table.expected(), ids.expected()), Ops.indexSelect(table.actual(), ids.actual()));
            assertClose("indexSelect [11,33] by [2,7]", rows, Tolerance.EXACT);
            Pair grads = uniform(dtype, new int[] {2, 7, 33}, 1302, -1, 1);
            Pair acc = zeros(dtype, 11, 33);
            Ops.indexAdd(acc.expected(), ids.expected(), grads.expected());
            Ops.indexAdd(acc.actual(), ids.actual(), grads.actual());
            assertClose("indexAdd into [11,33]", acc, Tolerance.forOutput(dtype, Tolerance.F32_ELEMENTWISE));
        })));
    }

    // ---------------------------------------------------------------- random

    @TestFactory
    Stream<DynamicTest> randomKinds() {
        return Arrays.stream(RandomKind.values()).map(kind -> DynamicTest.dynamicTest("random " + kind, check(() -> {
            double[] ab = switch (kind) {
                case UNIFORM -> new double[] {-2, 3};
                case NORMAL -> new double[] {0.5, 2};
                case BERNOULLI -> new double[] {0.3, 0};
            };
            for (DType dtype : FLOAT_TYPES) {
                for (int[] shape : List.of(new int[] {1}, new int[] {7, 17}, new int[] {129})) {
                    Tensor expected = Tensor.empty(reference(), dtype, Shape.of(shape));
                    Tensor actual = Tensor.empty(underTest(), dtype, Shape.of(shape));
                    reference().random(kind, 1234, ab[0], ab[1], expected);
                    underTest().random(kind, 1234, ab[0], ab[1], actual);
                    assertClose("random " + kind + " " + dtype + " " + dims(shape), expected, actual,
                            Tolerance.forOutput(dtype, Tolerance.F32_ELEMENTWISE));
                }
            }
        })));
    }

    /** Applies the same two-argument op to the expected and the actual sides. */
    protected static Pair both(Pair a, Pair b, BinaryOperator<Tensor> op) {
        return new Pair(op.apply(a.expected(), b.expected()), op.apply(a.actual(), b.actual()));
    }
}
