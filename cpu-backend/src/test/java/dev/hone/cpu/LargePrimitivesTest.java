package dev.hone.cpu;

import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.BinaryOp;
import dev.hone.tensor.spi.ReduceOp;
import dev.hone.tensor.spi.UnaryOp;
import org.junit.jupiter.api.Test;

import static dev.hone.cpu.Compare.assertClose;
import static dev.hone.cpu.Compare.copyTo;
import static dev.hone.cpu.Compare.uniform;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Primitives on sizes above the parallel threshold (so chunks are split across two worker threads,
 * which the test kit's small shapes never do), plus the layouts the CPU paths special-case: reductions
 * over leading axes (column path) and trailing axes (row path), an embedding-style indexSelect and its
 * indexAdd gradient with repeated rows, and batched BF16 matmul with a broadcast batch operand and a
 * transposed operand. Tolerances are the kit's: 1e-6 elementwise, 1e-5 reductions, 1e-5 sqrt(K)
 * matmul, exact for copies and gathers, 1e-2 for BF16 results.
 */
class LargePrimitivesTest extends CpuAgainstReference {

    @Test
    void elementwiseAndCastsAcrossThreads() {
        try (Scope ignored = Scope.open(cpu)) {
            Tensor a = uniform(cpu, DType.F32, 1, -3, 3, 300, 517);
            Tensor b = uniform(cpu, DType.F32, 2, 0.5, 3, 517).expand(300, 517);
            Tensor out = Tensor.empty(cpu, DType.F32, a.shape()), expected = Tensor.empty(reference, DType.F32, a.shape());
            Tensor ra = copyTo(reference, a), rb = copyTo(reference, b);
            cpu.binary(BinaryOp.DIV, a, b, out);
            reference.binary(BinaryOp.DIV, ra, rb, expected);
            assertClose("div with row broadcast", expected, out, 1e-6, 1e-6);

            Tensor t = a.transpose(0, 1);
            Tensor y = Tensor.empty(cpu, DType.BF16, t.shape()), ry = Tensor.empty(reference, DType.BF16, t.shape());
            cpu.unary(UnaryOp.SILU, cpu16(t, y), y);
            reference.unary(UnaryOp.SILU, cpu16ref(ra.transpose(0, 1), ry), ry);
            assertClose("silu BF16 of a transposed view", ry, y, 1e-2, 1e-2);
        }
    }

    /** t cast to y's dtype on the cpu backend (y is then overwritten by the caller). */
    private Tensor cpu16(Tensor t, Tensor y) {
        Tensor c = Tensor.empty(cpu, y.dtype(), t.shape());
        cpu.cast(t, c);
        return c;
    }

    private Tensor cpu16ref(Tensor t, Tensor y) {
        Tensor c = Tensor.empty(reference, y.dtype(), t.shape());
        reference.cast(t, c);
        return c;
    }

    @Test
    void reductionsOverLeadingAndTrailingAxes() {
        try (Scope ignored = Scope.open(cpu)) {
            Tensor x = uniform(cpu, DType.F32, 3, -1, 1, 40, 30, 70);
            Tensor rx = copyTo(reference, x);
            int[][] axesSets = {{0}, {2}, {1, 2}, {0, 2}, {0, 1, 2}};
            for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.MEAN, ReduceOp.MAX, ReduceOp.MIN}) {
                for (int[] axes : axesSets) {
                    int[] dims = x.shape().dims();
                    for (int a : axes) dims[a] = 1;
                    Tensor out = Tensor.empty(cpu, DType.F32, Shape.of(dims)), expected = Tensor.empty(reference, DType.F32, Shape.of(dims));
                    cpu.reduce(op, x, axes, out);
                    reference.reduce(op, rx, axes, expected);
                    assertClose("reduce " + op + " over " + java.util.Arrays.toString(axes), expected, out, 1e-5, 1e-5);
                }
            }
            Tensor arg = Tensor.empty(cpu, DType.I64, Shape.of(40, 1, 70)), rarg = Tensor.empty(reference, DType.I64, Shape.of(40, 1, 70));
            cpu.reduce(ReduceOp.ARGMAX, x, new int[] {1}, arg);
            reference.reduce(ReduceOp.ARGMAX, rx, new int[] {1}, rarg);
            assertClose("argmax over a middle axis", rarg, arg, 0, 0);
        }
    }

    @Test
    void embeddingLookupAndGradientWithRepeatedRows() {
        try (Scope ignored = Scope.open(cpu)) {
            int vocab = 50, dim = 300, tokens = 400;
            Tensor table = uniform(cpu, DType.BF16, 4, -1, 1, vocab, dim);
            Tensor ids = Tensor.empty(cpu, DType.I32, Shape.of(tokens));
            for (int i = 0; i < tokens; i++) ids.set((i * 13) % vocab, i);
            Tensor rows = Ops.indexSelect(table, ids);
            Tensor rtable = copyTo(reference, table), rids = copyTo(reference, ids);
            Tensor expected;
            try (Scope r = Scope.open(reference)) {
                expected = r.keep(Ops.indexSelect(rtable, rids));
            }
            assertClose("indexSelect (gather)", expected, rows, 0, 0);

            Tensor grad = uniform(cpu, DType.F32, 5, -1, 1, tokens, dim);
            Tensor acc = Tensor.empty(cpu, DType.F32, Shape.of(vocab, dim));
            cpu.fill(acc, 0);
            Ops.indexAdd(acc, ids, grad);
            Tensor racc = Tensor.empty(reference, DType.F32, Shape.of(vocab, dim));
            reference.fill(racc, 0);
            try (Scope r = Scope.open(reference)) {
                Ops.indexAdd(racc, rids, copyTo(reference, grad));
            }
            assertClose("indexAdd (scatterAdd)", racc, acc, 1e-6, 1e-6);

            Tensor bad = Tensor.empty(cpu, DType.I32, Shape.of(1));
            bad.set(vocab, 0);
            assertThatThrownBy(() -> Ops.indexSelect(table, bad)).hasMessageContaining("index " + vocab + " out of range for axis 0");
        }
    }

    @Test
    void batchedBf16MatmulWithBroadcastAndTransposedOperands() {
        try (Scope ignored = Scope.open(cpu)) {
            int batch = 3, m = 37, k = 70, n = 45;
            Tensor a = uniform(cpu, DType.BF16, 6, -1, 1, batch, m, k);
            Tensor b = uniform(cpu, DType.BF16, 7, -1, 1, n, k).transpose(0, 1).unsqueeze(0).expand(batch, k, n);
            Tensor out = Tensor.empty(cpu, DType.BF16, Shape.of(batch, m, n));
            cpu.fill(out, 0.5);
            Tensor ra = copyTo(reference, a), rb = copyTo(reference, b);
            Tensor expected = Tensor.empty(reference, DType.BF16, out.shape());
            reference.fill(expected, 0.5);
            cpu.matmul(a, b, out, 0.75f, 0.5f);
            reference.matmul(ra, rb, expected, 0.75f, 0.5f);
            assertClose("bf16 batched matmul, beta 0.5", expected, out, 1e-2, 1e-2);

            Tensor f32 = Tensor.empty(cpu, DType.F32, Shape.of(batch, m, n)), rf32 = Tensor.empty(reference, DType.F32, Shape.of(batch, m, n));
            cpu.matmul(a, b, f32, 1f, 0f);
            reference.matmul(ra, rb, rf32, 1f, 0f);
            double tolerance = 1e-5 * Math.sqrt(k);
            assertClose("bf16 inputs, f32 output", rf32, f32, tolerance, tolerance);
        }
    }
}
