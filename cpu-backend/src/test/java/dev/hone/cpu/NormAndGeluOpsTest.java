package dev.hone.cpu;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.hone.cpu.Compare.assertClose;
import static dev.hone.cpu.Compare.copyTo;
import static dev.hone.cpu.Compare.uniform;

/**
 * LayerNorm and the tanh-GELU backward on the CPU backend against the double-precision reference at
 * sizes the test kit's small shapes do not reach: LayerNorm over enough rows (GPT-2's width 768) that
 * its weight and bias gradients are summed from several tasks on two threads, with strided input rows
 * and a large row mean (the centring matters); GELU backward over several chunks, inputs reaching the
 * saturated tails. Tolerances: F32 2e-5 relative + 2e-5 of the largest magnitude (the kit's fused
 * tolerance), BF16 1e-2.
 */
class NormAndGeluOpsTest extends CpuAgainstReference {

    private static double tolerance(DType t) { return t == DType.BF16 ? 1e-2 : 2e-5; }

    @Test
    void layerNormForwardAndBackwardMatchReferenceOverManyRows() {
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            try (Scope ignored = Scope.open(cpu)) {
                int rows = 96, width = 768;
                Tensor x = uniform(cpu, dtype, 31, 3, 7, rows, width + 5).narrow(1, 2, width); // strided rows, mean about 5
                Tensor weight = uniform(cpu, dtype, 32, 0.5, 1.5, width), bias = uniform(cpu, dtype, 33, -1, 1, width);
                Tensor dy = uniform(cpu, dtype, 34, -1, 1, rows, width);
                Tensor rx = copyTo(reference, x), rw = copyTo(reference, weight), rb = copyTo(reference, bias), rdy = copyTo(reference, dy);
                Tensor y = Tensor.empty(cpu, dtype, x.shape()), ry = Tensor.empty(reference, dtype, x.shape());
                Tensor mean = Tensor.empty(cpu, DType.F32, Shape.of(rows)), rmean = Tensor.empty(reference, DType.F32, Shape.of(rows));
                Tensor rstd = Tensor.empty(cpu, DType.F32, Shape.of(rows)), rrstd = Tensor.empty(reference, DType.F32, Shape.of(rows));
                cpu.layerNorm(x, weight, bias, 1e-5f, y, mean, rstd);
                reference.layerNorm(rx, rw, rb, 1e-5f, ry, rmean, rrstd);
                assertClose("layerNorm y " + dtype, ry, y, tolerance(dtype), tolerance(dtype));
                assertClose("layerNorm mean " + dtype, rmean, mean, 2e-5, 2e-5);
                assertClose("layerNorm rstd " + dtype, rrstd, rstd, 2e-5, 2e-5);

                Tensor dx = Tensor.empty(cpu, dtype, x.shape()), rdx = Tensor.empty(reference, dtype, x.shape());
                Tensor dw = uniform(cpu, DType.F32, 35, -1, 1, width), db = uniform(cpu, DType.F32, 36, -1, 1, width);
                Tensor rdw = copyTo(reference, dw), rdb = copyTo(reference, db);
                cpu.layerNormBackward(x, weight, mean, rstd, dy, dx, dw, db);
                reference.layerNormBackward(rx, rw, rmean, rrstd, rdy, rdx, rdw, rdb);
                assertClose("layerNormBackward dx " + dtype, rdx, dx, tolerance(dtype), tolerance(dtype));
                assertClose("layerNormBackward dweight " + dtype, rdw, dw, 2e-5, 2e-5);
                assertClose("layerNormBackward dbias " + dtype, rdb, db, 2e-5, 2e-5);
            }
        }
    }

    @Test
    void geluTanhBackwardMatchesReferenceAcrossChunksAndTails() {
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            try (Scope ignored = Scope.open(cpu)) {
                Tensor x = uniform(cpu, dtype, 41, -12, 12, 37, 3001).transpose(0, 1); // [3001, 37], strided
                Tensor dy = uniform(cpu, dtype, 42, -1, 1, 3001, 37);
                Tensor dx = Tensor.empty(cpu, dtype, x.shape()), rdx = Tensor.empty(reference, dtype, x.shape());
                cpu.geluTanhBackward(x, dy, dx);
                reference.geluTanhBackward(copyTo(reference, x), copyTo(reference, dy), rdx);
                assertClose("geluTanhBackward " + dtype, rdx, dx, tolerance(dtype), tolerance(dtype));
            }
        }
    }
}
