package dev.hone.cpu;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.ReduceOp;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.hone.cpu.Compare.uniform;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bit-for-bit reproducibility of the CPU backend within one JVM, which a killed-and-resumed training
 * needs to retrace the uninterrupted loss curve. One fixed sequence of ops (GEMM on the small-rows path
 * with row- and column-major B, the narrow and skinny GEMM paths, the blocked path, softmax,
 * log-softmax, cross-entropy, a row sum, RMSNorm forward and backward, attention forward and backward,
 * SwiGLU forward and backward)
 * runs first while its kernels are still interpreted or C1-compiled, then thousands of times more, long
 * enough for C2 to compile the kernels; every run must reproduce the first run's bits exactly. Vector
 * lane sums whose order depends on the compiler tier (reduceLanes(ADD)), tier-dependent intrinsics
 * (lanewise(EXP)) or any timing-dependent split of work would break this.
 */
class DeterminismTest {
    private static final int RUNS = 2000;

    @Test
    void repeatedRunsReproduceTheFirstRunBitForBit() {
        try (CpuBackend cpu = new CpuBackend(2); Scope ignored = Scope.open(cpu)) {
            Inputs in = new Inputs(cpu);
            List<double[]> first = in.runAll(cpu);
            for (int run = 1; run < RUNS; run++) {
                List<double[]> again = in.runAll(cpu);
                for (int i = 0; i < first.size(); i++) {
                    int at = Arrays.mismatch(first.get(i), again.get(i));
                    assertThat(at).as("first differing element of %s in run %d: %s vs first run's %s", Inputs.NAMES[i],
                            run, at < 0 ? "" : again.get(i)[at], at < 0 ? "" : first.get(i)[at]).isEqualTo(-1);
                }
            }
        }
    }

    /** Fixed random inputs of small shapes, so thousands of runs take a few seconds once compiled. */
    private static final class Inputs {
        static final String[] NAMES = {"gemm m3 row-major B", "gemm m2 column-major B", "gemm n8 narrow",
                "gemm m12 skinny", "gemm blocked", "softmax", "softmax backward", "log-softmax", "cross-entropy lse",
                "row sum", "rmsnorm y", "rmsnorm dx", "rmsnorm dw", "attention out", "attention lse", "attention dq",
                "attention dk", "attention dv", "swiglu", "swiglu dgate"};
        final Tensor a3, b, bT, a2, x, w8, a12, big, bigB, logits, targets, weight, dy, q, k, v, dout;

        Inputs(CpuBackend cpu) {
            a3 = uniform(cpu, DType.F32, 1, -1, 1, 3, 67);
            b = uniform(cpu, DType.F32, 2, -1, 1, 67, 90);
            bT = uniform(cpu, DType.F32, 3, -1, 1, 90, 67).transpose(0, 1);
            a2 = uniform(cpu, DType.F32, 4, -1, 1, 2, 67);
            x = uniform(cpu, DType.F32, 5, -1, 1, 40, 67);
            w8 = uniform(cpu, DType.F32, 6, -1, 1, 67, 8);
            a12 = uniform(cpu, DType.F32, 7, -1, 1, 12, 67);
            big = uniform(cpu, DType.F32, 8, -1, 1, 40, 70);
            bigB = uniform(cpu, DType.F32, 9, -1, 1, 70, 50);
            logits = uniform(cpu, DType.F32, 10, -4, 4, 6, 77);
            targets = Tensor.empty(cpu, DType.I64, Shape.of(6));
            for (int r = 0; r < 6; r++) targets.set(r * 11 % 77, r);
            weight = uniform(cpu, DType.F32, 11, 0.5, 1.5, 67);
            dy = uniform(cpu, DType.F32, 12, -1, 1, 40, 67);
            q = uniform(cpu, DType.F32, 13, -1, 1, 1, 2, 40, 16);
            k = uniform(cpu, DType.F32, 14, -1, 1, 1, 1, 40, 16);
            v = uniform(cpu, DType.F32, 15, -1, 1, 1, 1, 40, 16);
            dout = uniform(cpu, DType.F32, 16, -1, 1, 1, 2, 40, 16);
        }

        List<double[]> runAll(CpuBackend cpu) {
            List<double[]> results = new ArrayList<>();
            results.add(matmul(cpu, a3, b));
            results.add(matmul(cpu, a2, bT));
            results.add(matmul(cpu, x, w8));
            results.add(matmul(cpu, a12, b));
            results.add(matmul(cpu, big, bigB));
            Tensor y = empty(cpu, logits.shape()), dx = empty(cpu, logits.shape());
            cpu.softmax(logits, y);
            results.add(y.toDoubleArray());
            cpu.softmaxBackward(y, logits, dx);
            results.add(dx.toDoubleArray());
            cpu.logSoftmax(logits, y);
            results.add(y.toDoubleArray());
            Tensor loss = empty(cpu, Shape.of(6)), lse = empty(cpu, Shape.of(6));
            cpu.crossEntropy(logits, targets, -100, loss, lse);
            results.add(lse.toDoubleArray());
            Tensor sums = empty(cpu, Shape.of(40));
            cpu.reduce(ReduceOp.SUM, x, new int[] {1}, sums);
            results.add(sums.toDoubleArray());
            Tensor normed = empty(cpu, x.shape()), rstd = empty(cpu, Shape.of(40));
            Tensor ndx = empty(cpu, x.shape()), dw = empty(cpu, Shape.of(67));
            cpu.fill(dw, 0);
            cpu.rmsNorm(x, weight, 1e-5f, normed, rstd);
            cpu.rmsNormBackward(x, weight, rstd, dy, ndx, dw);
            results.add(normed.toDoubleArray());
            results.add(ndx.toDoubleArray());
            results.add(dw.toDoubleArray());
            Tensor out = empty(cpu, q.shape()), alse = empty(cpu, Shape.of(1, 2, 40));
            Tensor dq = empty(cpu, q.shape()), dk = empty(cpu, k.shape()), dv = empty(cpu, v.shape());
            cpu.attention(q, k, v, 0.25f, true, null, out, alse);
            cpu.attentionBackward(q, k, v, 0.25f, true, null, out, alse, dout, dq, dk, dv);
            results.add(out.toDoubleArray());
            results.add(alse.toDoubleArray());
            results.add(dq.toDoubleArray());
            results.add(dk.toDoubleArray());
            results.add(dv.toDoubleArray());
            Tensor act = empty(cpu, x.shape()), dgate = empty(cpu, x.shape()), dup = empty(cpu, x.shape());
            cpu.swiglu(x, dy, act);
            cpu.swigluBackward(x, dy, normed, dgate, dup);
            results.add(act.toDoubleArray());
            results.add(dgate.toDoubleArray());
            return results;
        }

        private static double[] matmul(CpuBackend cpu, Tensor left, Tensor right) {
            Tensor c = empty(cpu, Shape.of(left.dim(0), right.dim(1)));
            cpu.matmul(left, right, c, 1f, 0f);
            return c.toDoubleArray();
        }

        private static Tensor empty(CpuBackend cpu, Shape shape) { return Tensor.empty(cpu, DType.F32, shape); }
    }
}
