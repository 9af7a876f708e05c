package dev.hone.cpu;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.RopeStyle;
import org.junit.jupiter.api.Test;

import static dev.hone.cpu.Compare.assertClose;
import static dev.hone.cpu.Compare.copyTo;
import static dev.hone.cpu.Compare.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The row-wise fused ops against the double-precision reference where the test kit's small shapes do
 * not reach: cross-entropy over rows longer than one streaming chunk (50,000 classes, ignored rows,
 * logits scaled up so the online max rescaling matters), RMSNorm with its weight gradient summed over
 * enough rows to run on both threads, RoPE in both layouts and inverse, and BF16 variants.
 * Tolerances: F32 2e-5 relative + 2e-5 of the largest magnitude (the kit's fused tolerance), BF16 1e-2.
 */
class RowFusedOpsTest extends CpuAgainstReference {

    private static double tolerance(DType t) { return t == DType.BF16 ? 1e-2 : 2e-5; }

    @Test
    void crossEntropyStreamsLongRowsWithIgnoredTargets() {
        try (Scope ignored = Scope.open(cpu)) {
            int rows = 6, vocab = 50_000, ignoreIndex = -100;
            Tensor logits = uniform(cpu, DType.F32, 11, -30, 30, rows, vocab);
            Tensor targets = Tensor.empty(cpu, DType.I64, Shape.of(rows));
            long[] t = {0, 49_999, ignoreIndex, 2048, 4095, 31_337};
            for (int i = 0; i < rows; i++) targets.set(t[i], i);
            Tensor loss = Tensor.empty(cpu, DType.F32, Shape.of(rows)), lse = Tensor.empty(cpu, DType.F32, Shape.of(rows));
            cpu.crossEntropy(logits, targets, ignoreIndex, loss, lse);
            Tensor rl = copyTo(reference, logits), rt = copyTo(reference, targets);
            Tensor rloss = Tensor.empty(reference, DType.F32, Shape.of(rows)), rlse = Tensor.empty(reference, DType.F32, Shape.of(rows));
            reference.crossEntropy(rl, rt, ignoreIndex, rloss, rlse);
            assertClose("crossEntropy loss", rloss, loss, 2e-5, 2e-5);
            assertClose("crossEntropy lse", rlse, lse, 2e-5, 2e-5);
            assertThat(loss.getDouble(2)).isZero();

            Tensor dloss = uniform(cpu, DType.F32, 12, 0.5, 2, rows);
            Tensor dlogits = Tensor.empty(cpu, DType.F32, logits.shape());
            cpu.crossEntropyBackward(logits, targets, ignoreIndex, lse, dloss, dlogits);
            Tensor rdlogits = Tensor.empty(reference, DType.F32, logits.shape());
            reference.crossEntropyBackward(rl, rt, ignoreIndex, rlse, copyTo(reference, dloss), rdlogits);
            assertClose("crossEntropyBackward", rdlogits, dlogits, 2e-5, 2e-5);
        }
    }

    @Test
    void crossEntropyRejectsTargetOutsideVocabulary() {
        try (Scope ignored = Scope.open(cpu)) {
            Tensor logits = uniform(cpu, DType.F32, 1, -1, 1, 2, 10);
            Tensor targets = Tensor.empty(cpu, DType.I32, Shape.of(2));
            targets.set(3, 0);
            targets.set(10, 1);
            Tensor loss = Tensor.empty(cpu, DType.F32, Shape.of(2)), lse = Tensor.empty(cpu, DType.F32, Shape.of(2));
            assertThatThrownBy(() -> cpu.crossEntropy(logits, targets, -100, loss, lse))
                    .hasMessageContaining("target 10 of row 1");
        }
    }

    @Test
    void softmaxFamiliesMatchReference() {
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            try (Scope ignored = Scope.open(cpu)) {
                Tensor x = uniform(cpu, dtype, 21, -8, 8, 37, 301).narrow(1, 3, 290); // strided rows, odd length
                Tensor dy = uniform(cpu, dtype, 22, -1, 1, 37, 290);
                Tensor rx = copyTo(reference, x), rdy = copyTo(reference, dy);
                for (boolean log : new boolean[] {false, true}) {
                    Tensor y = Tensor.empty(cpu, dtype, x.shape()), dx = Tensor.empty(cpu, dtype, x.shape());
                    Tensor ry = Tensor.empty(reference, dtype, x.shape()), rdx = Tensor.empty(reference, dtype, x.shape());
                    if (log) {
                        cpu.logSoftmax(x, y);
                        reference.logSoftmax(rx, ry);
                        cpu.logSoftmaxBackward(y, dy, dx);
                        reference.logSoftmaxBackward(ry, rdy, rdx);
                    } else {
                        cpu.softmax(x, y);
                        reference.softmax(rx, ry);
                        cpu.softmaxBackward(y, dy, dx);
                        reference.softmaxBackward(ry, rdy, rdx);
                    }
                    String what = (log ? "logSoftmax " : "softmax ") + dtype;
                    assertClose(what, ry, y, tolerance(dtype), tolerance(dtype));
                    assertClose(what + " backward", rdx, dx, tolerance(dtype), tolerance(dtype));
                }
            }
        }
    }

    @Test
    void rmsNormForwardAndBackwardWithWeightGradient() {
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            try (Scope ignored = Scope.open(cpu)) {
                int rows = 300, d = 200;
                Tensor x = uniform(cpu, dtype, 31, -2, 2, 3, rows / 3, d);
                Tensor w = uniform(cpu, dtype, 32, 0.5, 1.5, d);
                Tensor dy = uniform(cpu, dtype, 33, -1, 1, 3, rows / 3, d);
                Tensor y = Tensor.empty(cpu, dtype, x.shape()), rstd = Tensor.empty(cpu, DType.F32, Shape.of(3, rows / 3));
                cpu.rmsNorm(x, w, 1e-5f, y, rstd);
                Tensor rx = copyTo(reference, x), rw = copyTo(reference, w), rdy = copyTo(reference, dy);
                Tensor ry = Tensor.empty(reference, dtype, x.shape()), rrstd = Tensor.empty(reference, DType.F32, rstd.shape());
                reference.rmsNorm(rx, rw, 1e-5f, ry, rrstd);
                assertClose("rmsNorm " + dtype, ry, y, tolerance(dtype), tolerance(dtype));
                assertClose("rmsNorm rstd " + dtype, rrstd, rstd, 2e-5, 2e-5);

                Tensor dx = Tensor.empty(cpu, dtype, x.shape());
                Tensor dw = Tensor.empty(cpu, DType.F32, Shape.of(d));
                cpu.fill(dw, 0.25);
                cpu.rmsNormBackward(x, w, rstd, dy, dx, dw);
                Tensor rdx = Tensor.empty(reference, dtype, x.shape()), rdw = Tensor.empty(reference, DType.F32, Shape.of(d));
                reference.fill(rdw, 0.25);
                reference.rmsNormBackward(rx, rw, rrstd, rdy, rdx, rdw);
                assertClose("rmsNormBackward dx " + dtype, rdx, dx, tolerance(dtype), tolerance(dtype));
                assertClose("rmsNormBackward dweight (accumulated) " + dtype, rdw, dw, 1e-4, 1e-4);
            }
        }
    }

    @Test
    void ropeBothStylesForwardAndInverse() {
        try (Scope ignored = Scope.open(cpu)) {
            int batch = 2, time = 9, heads = 3, d = 40, maxPos = 64;
            Tensor cos = uniform(cpu, DType.F32, 41, -1, 1, maxPos, d / 2), sin = uniform(cpu, DType.F32, 42, -1, 1, maxPos, d / 2);
            Tensor positions = Tensor.empty(cpu, DType.I32, Shape.of(batch, time));
            for (int i = 0; i < batch * time; i++) positions.set((i * 7) % maxPos, i / time, i % time);
            Tensor rcos = copyTo(reference, cos), rsin = copyTo(reference, sin), rpos = copyTo(reference, positions);
            for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                Tensor x = uniform(cpu, dtype, 43, -1, 1, batch, time, heads, d);
                Tensor rx = copyTo(reference, x);
                for (RopeStyle style : RopeStyle.values()) {
                    for (boolean inverse : new boolean[] {false, true}) {
                        Tensor y = Tensor.empty(cpu, dtype, x.shape()), ry = Tensor.empty(reference, dtype, x.shape());
                        cpu.rope(x, cos, sin, positions, style, inverse, y);
                        reference.rope(rx, rcos, rsin, rpos, style, inverse, ry);
                        assertClose("rope " + style + (inverse ? " inverse " : " ") + dtype, ry, y, tolerance(dtype), tolerance(dtype));
                    }
                }
            }
        }
    }

    @Test
    void swigluAndAdamwMatchReference() {
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            try (Scope ignored = Scope.open(cpu)) {
                Tensor g = uniform(cpu, dtype, 51, -6, 6, 50, 1000), u = uniform(cpu, dtype, 52, -2, 2, 50, 1000);
                Tensor dy = uniform(cpu, dtype, 53, -1, 1, 50, 1000);
                Tensor rg = copyTo(reference, g), ru = copyTo(reference, u), rdy = copyTo(reference, dy);
                Tensor y = Tensor.empty(cpu, dtype, g.shape()), ry = Tensor.empty(reference, dtype, g.shape());
                cpu.swiglu(g, u, y);
                reference.swiglu(rg, ru, ry);
                assertClose("swiglu " + dtype, ry, y, tolerance(dtype), tolerance(dtype));
                Tensor dg = Tensor.empty(cpu, dtype, g.shape()), du = Tensor.empty(cpu, dtype, g.shape());
                Tensor rdg = Tensor.empty(reference, dtype, g.shape()), rdu = Tensor.empty(reference, dtype, g.shape());
                cpu.swigluBackward(g, u, dy, dg, du);
                reference.swigluBackward(rg, ru, rdy, rdg, rdu);
                assertClose("swigluBackward dgate " + dtype, rdg, dg, tolerance(dtype), tolerance(dtype));
                assertClose("swigluBackward dup " + dtype, rdu, du, tolerance(dtype), tolerance(dtype));

                Tensor p = uniform(cpu, dtype, 54, -1, 1, 50, 1000);
                Tensor m = uniform(cpu, DType.F32, 55, -0.1, 0.1, 50, 1000), v = uniform(cpu, DType.F32, 56, 0, 0.01, 50, 1000);
                Tensor rp = copyTo(reference, p), rm = copyTo(reference, m), rv = copyTo(reference, v);
                cpu.adamw(p, dy, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 7);
                reference.adamw(rp, rdy, rm, rv, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 7);
                assertClose("adamw param " + dtype, rp, p, tolerance(dtype), tolerance(dtype));
                assertClose("adamw m " + dtype, rm, m, 2e-5, 2e-5);
                assertClose("adamw v " + dtype, rv, v, 2e-5, 2e-5);
            }
        }
    }
}
