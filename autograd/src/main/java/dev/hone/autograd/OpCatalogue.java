package dev.hone.autograd;

import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.FourBitOps;
import dev.hone.tensor.spi.RandomKind;
import dev.hone.tensor.spi.RopeStyle;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Every differentiable op with sample inputs for a float64 finite-difference gradient check
 * ({@link GradCheck}). {@link #allOps()} lists every constant of every {@link DiffOp} enum by
 * reflection over the sealed interface, and {@link #uncovered()} those without a case, so an op added
 * without a gradient check fails the catalogue test. Sample values stay away from kinks (relu, abs,
 * max ties) and outside the domain edges of log, sqrt and rsqrt. Inputs are made on the current
 * scope's backend; integer side inputs (indices, targets) are host tensors.
 */
public final class OpCatalogue {
    private OpCatalogue() { }

    /** Differentiable inputs to perturb, and the function of them whose gradients are checked. */
    public record Sample(List<Tensor> inputs, Function<List<Tensor>, Tensor> fn) { }

    /**
     * One gradient-check case: the op it covers, a label, and a factory of sample inputs of a floating
     * dtype. {@code step} is the finite-difference step (larger only where values are exactly
     * representable, as for casts).
     */
    public record Case(DiffOp op, String label, Function<DType, Sample> factory, double step) {
        Case(DiffOp op, String label, Function<DType, Sample> factory) { this(op, label, factory, 1e-5); }

        @Override
        public String toString() { return op.opName() + " (" + label + ")"; }
    }

    /** Every op constant of every permitted {@link DiffOp} enum, in declaration order. */
    public static Set<DiffOp> allOps() {
        Set<DiffOp> all = new LinkedHashSet<>();
        for (Class<?> family : DiffOp.class.getPermittedSubclasses()) {
            Object[] constants = family.getEnumConstants();
            if (constants == null) throw new IllegalStateException("DiffOp implementation " + family.getName() + " is not an enum");
            for (Object c : constants) all.add((DiffOp) c);
        }
        return all;
    }

    /** Ops without a gradient-check case (empty when the catalogue is complete). */
    public static Set<DiffOp> uncovered() {
        Set<DiffOp> missing = new LinkedHashSet<>(allOps());
        for (Case c : cases()) missing.remove(c.op());
        return missing;
    }

    public static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        Set<UnaryFn> positiveDomain = EnumSet.of(UnaryFn.LOG, UnaryFn.SQRT, UnaryFn.RSQRT);
        Set<UnaryFn> kinked = EnumSet.of(UnaryFn.RELU, UnaryFn.ABS);
        for (UnaryFn f : UnaryFn.values()) {
            cases.add(new Case(f, "[2, 3]", d -> {
                Tensor x = positiveDomain.contains(f) ? uniform(1, 0.5, 2, d, 2, 3)
                        : kinked.contains(f) ? awayFromZero(2, d, 2, 3) : uniform(3, -2, 2, d, 2, 3);
                return unary(x, in -> f.apply(in.get(0)));
            }));
        }
        for (BinaryFn f : BinaryFn.values()) {
            cases.add(new Case(f, "[2, 3] with [3] broadcast", d -> binary(
                    uniform(4, -2, 2, d, 2, 3), uniform(5, 0.5, 2, d, 3), in -> f.apply(in.get(0), in.get(1)))));
            cases.add(new Case(f, "[2, 1] with [1, 3] broadcast both ways", d -> binary(
                    uniform(6, -2, 2, d, 2, 1), uniform(7, 0.5, 2, d, 1, 3), in -> f.apply(in.get(0), in.get(1)))));
        }
        cases.add(new Case(ScalarFn.ADD_SCALAR, "+ 0.7", d -> unary(uniform(8, -2, 2, d, 2, 3), in -> Diff.add(in.get(0), 0.7))));
        cases.add(new Case(ScalarFn.MUL_SCALAR, "* -1.3", d -> unary(uniform(9, -2, 2, d, 2, 3), in -> Diff.mul(in.get(0), -1.3))));
        cases.add(new Case(ScalarFn.POW_SCALAR, "^ 2.5", d -> unary(uniform(10, 0.5, 2, d, 2, 3), in -> Diff.pow(in.get(0), 2.5))));

        cases.add(new Case(ReduceFn.SUM, "axis 1 of [2, 3, 4], dropped", d -> unary(uniform(11, -1, 1, d, 2, 3, 4), in -> Diff.sum(in.get(0), 1))));
        cases.add(new Case(ReduceFn.SUM, "all axes", d -> unary(uniform(12, -1, 1, d, 2, 3), in -> Diff.sum(in.get(0)))));
        cases.add(new Case(ReduceFn.MEAN, "axes 0, 2 kept", d -> unary(uniform(13, -1, 1, d, 2, 3, 4),
                in -> Diff.mean(in.get(0), ReduceFn.Dims.KEEP, 0, 2))));
        cases.add(new Case(ReduceFn.MAX, "last axis", d -> unary(uniform(14, -1, 1, d, 3, 5),
                in -> Diff.max(in.get(0), ReduceFn.Dims.DROP, -1))));

        cases.add(new Case(MatMulFn.MATMUL, "[2, 3, 4] @ [4, 5]", d -> binary(uniform(15, -1, 1, d, 2, 3, 4), uniform(16, -1, 1, d, 4, 5),
                in -> Diff.matmul(in.get(0), in.get(1)))));
        cases.add(new Case(MatMulFn.MATMUL, "[3, 4] @ [2, 4, 5]", d -> binary(uniform(17, -1, 1, d, 3, 4), uniform(18, -1, 1, d, 2, 4, 5),
                in -> Diff.matmul(in.get(0), in.get(1)))));
        cases.add(new Case(MatMulFn.MATMUL, "[2, 1, 3, 4] @ transpose([2, 5, 4])", d -> binary(uniform(19, -1, 1, d, 2, 1, 3, 4),
                uniform(20, -1, 1, d, 2, 5, 4), in -> Diff.matmul(in.get(0), Diff.transpose(in.get(1), -1, -2)))));

        cases.add(new Case(ShapeFn.RESHAPE, "[2, 3, 4] -> [4, -1] of a permuted view", d -> unary(uniform(21, -1, 1, d, 2, 3, 4),
                in -> Diff.reshape(Diff.permute(in.get(0), 2, 0, 1), 4, -1))));
        cases.add(new Case(ShapeFn.PERMUTE, "(2, 0, 1)", d -> unary(uniform(22, -1, 1, d, 2, 3, 4), in -> Diff.permute(in.get(0), 2, 0, 1))));
        cases.add(new Case(ShapeFn.TRANSPOSE, "axes 0, 2", d -> unary(uniform(23, -1, 1, d, 2, 3, 4), in -> Diff.transpose(in.get(0), 0, 2))));
        cases.add(new Case(ShapeFn.NARROW, "axis 1 [1, 3)", d -> unary(uniform(24, -1, 1, d, 2, 4), in -> Diff.narrow(in.get(0), 1, 1, 2))));
        cases.add(new Case(ShapeFn.EXPAND, "[3, 1] -> [2, 3, 4]", d -> unary(uniform(25, -1, 1, d, 3, 1),
                in -> Diff.expand(in.get(0), Shape.of(2, 3, 4)))));
        cases.add(new Case(ShapeFn.UNSQUEEZE, "axis -1", d -> unary(uniform(26, -1, 1, d, 2, 3),
                in -> Diff.mul(Diff.unsqueeze(in.get(0), -1), uniform(27, -1, 1, d, 2, 3, 2)))));
        cases.add(new Case(ShapeFn.SQUEEZE, "axis 1 of [3, 1, 2]", d -> unary(uniform(28, -1, 1, d, 3, 1, 2), in -> Diff.squeeze(in.get(0), 1))));
        cases.add(new Case(ShapeFn.CAT, "[2, 2] and [2, 3] on axis 1", d -> binary(uniform(29, -1, 1, d, 2, 2), uniform(30, -1, 1, d, 2, 3),
                in -> Diff.cat(1, in.get(0), in.get(1)))));

        cases.add(new Case(IndexFn.INDEX_SELECT, "rows of [5, 3] by a [2, 3] index with repeats", d -> {
            Tensor index = Tensor.ofInts(new int[] {4, 0, 2, 2, 4, 1}, 2, 3);
            return unary(uniform(31, -1, 1, d, 5, 3), in -> Diff.indexSelect(in.get(0), index));
        }));
        cases.add(new Case(CastFn.CAST, "F64 -> F32 -> F64 on dyadic values", d -> {
            Tensor x = Ops.mul(Ops.unary(dev.hone.tensor.spi.UnaryOp.NEG, Ops.random(RandomKind.BERNOULLI, 32, 0.5, 0, d, 2, 3)), 0.75);
            return unary(Ops.add(x, 0.5), in -> Diff.cast(Diff.cast(in.get(0), DType.F32), d));
        }, 0x1p-8));
        cases.add(new Case(DropoutFn.DROPOUT, "p 0.3, seed 7", d -> unary(uniform(33, -1, 1, d, 4, 5), in -> Diff.dropout(in.get(0), 0.3, 7))));

        cases.add(new Case(FusedFn.SOFTMAX, "[3, 5]", d -> unary(uniform(34, -2, 2, d, 3, 5), in -> Diff.softmax(in.get(0)))));
        cases.add(new Case(FusedFn.LOG_SOFTMAX, "[3, 5]", d -> unary(uniform(35, -2, 2, d, 3, 5), in -> Diff.logSoftmax(in.get(0)))));
        cases.add(new Case(FusedFn.RMS_NORM, "x [2, 3, 4], weight [4]", d -> binary(uniform(36, -1, 1, d, 2, 3, 4), uniform(37, 0.5, 1.5, d, 4),
                in -> Diff.rmsNorm(in.get(0), in.get(1), 1e-5))));
        cases.add(new Case(FusedFn.LAYER_NORM, "x [2, 3, 4], weight and bias [4]", d -> {
            Tensor x = uniform(60, -1, 2, d, 2, 3, 4), weight = uniform(61, 0.5, 1.5, d, 4), bias = uniform(62, -1, 1, d, 4);
            return new Sample(List.of(x, weight, bias), in -> Diff.layerNorm(in.get(0), in.get(1), in.get(2), 1e-5));
        }));
        cases.add(new Case(FusedFn.SWIGLU, "[2, 5]", d -> binary(uniform(38, -2, 2, d, 2, 5), uniform(39, -2, 2, d, 2, 5),
                in -> Diff.swiglu(in.get(0), in.get(1)))));
        for (RopeStyle style : RopeStyle.values()) {
            cases.add(new Case(FusedFn.ROPE, style + " x [1, 3, 2, 4]", d -> {
                Tensor[] table = ropeTables(8, 4, 10000);
                Tensor positions = Tensor.ofInts(new int[] {5, 1, 2}, 1, 3);
                return unary(uniform(40, -1, 1, d, 1, 3, 2, 4), in -> Diff.rope(in.get(0), table[0], table[1], positions, style));
            }));
        }
        for (CrossEntropyFn.Reduction r : CrossEntropyFn.Reduction.values()) {
            cases.add(new Case(CrossEntropyFn.CROSS_ENTROPY, r + " of [4, 5] with one ignored row", d -> {
                Tensor targets = Tensor.ofInts(new int[] {3, -100, 0, 4}, 4);
                return unary(uniform(41, -2, 2, d, 4, 5), in -> Diff.crossEntropy(in.get(0), targets, -100, r));
            }));
        }
        cases.add(new Case(AttentionFn.ATTENTION, "causal GQA q [1, 4, 3, 2], kv [1, 2, 3, 2]", d -> new Sample(
                List.of(uniform(42, -1, 1, d, 1, 4, 3, 2), uniform(43, -1, 1, d, 1, 2, 3, 2), uniform(44, -1, 1, d, 1, 2, 3, 2)),
                in -> Diff.attention(in.get(0), in.get(1), in.get(2), 0.7, AttentionFn.Masking.CAUSAL, null))));
        cases.add(new Case(AttentionFn.ATTENTION, "segments, 2 queries over 4 keys", d -> {
            Tensor segments = Tensor.ofInts(new int[] {0, 0, 1, 1, 0, 1, 1, 1}, 2, 4);
            return new Sample(List.of(uniform(45, -1, 1, d, 2, 2, 2, 3), uniform(46, -1, 1, d, 2, 1, 4, 3), uniform(47, -1, 1, d, 2, 1, 4, 3)),
                    in -> Diff.attention(in.get(0), in.get(1), in.get(2), 0.5, AttentionFn.Masking.CAUSAL, segments));
        }));
        cases.add(new Case(Checkpoint.Op.CHECKPOINT, "tanh(x * w) + x recomputed", d -> binary(uniform(48, -1, 1, d, 2, 3), uniform(49, -1, 1, d, 3),
                in -> Checkpoint.run(args -> Diff.add(Diff.tanh(Diff.mul(args.get(0), args.get(1))), args.get(0)), in.get(0), in.get(1)))));
        cases.add(new Case(FrozenQuantMatmulFn.FROZEN_QUANT_MATMUL, "x [2, 33] by 4-bit W [3, 33] in blocks of 32 (rows straddle blocks)",
                d -> unary(uniform(50, -1, 1, d, 2, 33), in -> FrozenQuantMatmulFn.FROZEN_QUANT_MATMUL.apply(in.get(0), packedWeight(3, 33, 32)))));
        cases.add(new Case(FrozenQuantMatmulFn.FROZEN_QUANT_MATMUL, "x [2, 2, 64] by 4-bit W [4, 64] in blocks of 32",
                d -> unary(uniform(51, -1, 1, d, 2, 2, 64), in -> FrozenQuantMatmulFn.FROZEN_QUANT_MATMUL.apply(in.get(0), packedWeight(4, 64, 32)))));
        cases.add(new Case(LowRankLinearFn.LOW_RANK_LINEAR, "x [2, 3, 5], W [4, 5], A [2, 5], B [4, 2], scale 1.5", d -> new Sample(
                List.of(uniform(52, -1, 1, d, 2, 3, 5), uniform(53, -1, 1, d, 4, 5), uniform(54, -1, 1, d, 2, 5), uniform(55, -1, 1, d, 4, 2)),
                in -> Diff.lowRankLinear(in.get(0), in.get(1), in.get(2), in.get(3), 1.5))));
        cases.add(new Case(LowRankLinearFn.LOW_RANK_UPDATE, "tanh base [3, 4], x [3, 5], A [2, 5], B [4, 2], scale -0.7", d -> new Sample(
                List.of(uniform(56, -1, 1, d, 3, 4), uniform(57, -1, 1, d, 3, 5), uniform(58, -1, 1, d, 2, 5), uniform(59, -1, 1, d, 4, 2)),
                in -> Diff.lowRankUpdate(Diff.tanh(in.get(0)), in.get(1), in.get(2), in.get(3), -0.7))));
        return cases;
    }

    /**
     * A fixed 4-bit weight [n, k]: code bytes (37 i + 11) mod 256, absmax 0.5 + 0.25 b, and a code book
     * of 16 evenly spaced values in [-1, 0.875]; the weight is a constant, so only x is checked.
     */
    private static FourBitOps.PackedWeight packedWeight(int n, int k, int blocksize) {
        int numel = n * k;
        double[] codes = new double[(numel + 1) / 2];
        for (int i = 0; i < codes.length; i++) codes[i] = (37 * i + 11) % 256;
        float[] absmax = new float[(numel + blocksize - 1) / blocksize];
        for (int b = 0; b < absmax.length; b++) absmax[b] = 0.5f + 0.25f * b;
        float[] book = new float[16];
        for (int c = 0; c < 16; c++) book[c] = (c - 8) / 8f;
        return new FourBitOps.PackedWeight(Tensor.of(DType.U8, codes, codes.length), Tensor.of(absmax, absmax.length), Tensor.of(book, 16),
                n, k, blocksize);
    }

    private static Sample unary(Tensor x, Function<List<Tensor>, Tensor> fn) { return new Sample(List.of(x), fn); }

    private static Sample binary(Tensor a, Tensor b, Function<List<Tensor>, Tensor> fn) { return new Sample(List.of(a, b), fn); }

    private static Tensor uniform(long seed, double low, double high, DType dtype, int... dims) {
        return Ops.random(RandomKind.UNIFORM, seed, low, high, dtype, dims);
    }

    /** Values with magnitude in [0.3, 1] and random sign. */
    private static Tensor awayFromZero(long seed, DType dtype, int... dims) {
        Tensor sign = Ops.add(Ops.mul(Ops.random(RandomKind.BERNOULLI, seed, 0.5, 0, dtype, dims), 2.0), -1.0);
        return Ops.mul(uniform(seed + 1000, 0.3, 1, dtype, dims), sign);
    }

    /** RoPE tables cos, sin [maxPos, dim/2] (F32): angle(p, i) = p * base^(-2i/dim). */
    public static Tensor[] ropeTables(int maxPositions, int headDim, double base) {
        int half = headDim / 2;
        float[] cos = new float[maxPositions * half], sin = new float[maxPositions * half];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * Math.pow(base, -2.0 * i / headDim);
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
        return new Tensor[] {Tensor.of(cos, maxPositions, half), Tensor.of(sin, maxPositions, half)};
    }
}
