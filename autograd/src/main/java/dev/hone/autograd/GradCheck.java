package dev.hone.autograd;

import dev.hone.tensor.DType;
import dev.hone.tensor.Elements;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.StridedIndex;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.RandomKind;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Finite-difference gradient check (as torch.autograd.gradcheck): reduces the op's output to a scalar
 * loss L = sum(y * r) with fixed random weights r, computes dL/dx for every input by backward on a
 * {@link Tape}, and compares each element with the central difference (L(x + h) - L(x - h)) / 2h.
 * An element passes when |analytic - numeric| <= atol + rtol * |numeric|. Meant for F64 on host
 * backends: inputs are perturbed in place through their storage.
 */
public final class GradCheck {
    private GradCheck() { }

    /** Acceptance bounds for one comparison. */
    public record Tolerance(double relative, double absolute) {
        public static final Tolerance FLOAT64 = new Tolerance(1e-6, 1e-8);
    }

    /** The worst element of a check and whether every element passed. */
    public record Result(String label, int elements, double worstError, double analyticAtWorst, double numericAtWorst, String worstAt,
                         boolean passed) {
        @Override
        public String toString() {
            return label + ": " + elements + " elements, worst |analytic - numeric| " + worstError + " at " + worstAt
                    + " (analytic " + analyticAtWorst + ", numeric " + numericAtWorst + ")" + (passed ? "" : " FAILED");
        }
    }

    /** Runs {@code c} in {@code dtype} in the current scope's backend. */
    public static Result check(OpCatalogue.Case c, DType dtype, Tolerance tolerance) {
        return inNewScope(() -> {
            Prepared prepared = prepare(c, dtype);
            Tensor[] analytic = analytic(prepared);
            return compare(c.toString(), prepared.sample(), prepared.inputs(), prepared.weights(), analytic, c.step(), tolerance);
        });
    }

    /**
     * The analytic gradients dL/dx of every input of {@code c} in {@code dtype} on the current scope's
     * backend, as arrays (for comparing backends: the sample and the weights are seeded, so every
     * backend sees the same numbers).
     */
    public static double[][] analyticGradients(OpCatalogue.Case c, DType dtype) {
        return inNewScope(() -> {
            Tensor[] analytic = analytic(prepare(c, dtype));
            double[][] out = new double[analytic.length][];
            for (int i = 0; i < out.length; i++) out[i] = analytic[i].toDoubleArray();
            return out;
        });
    }

    private record Prepared(OpCatalogue.Sample sample, List<Tensor> inputs, Tensor weights) { }

    private static Prepared prepare(OpCatalogue.Case c, DType dtype) {
        OpCatalogue.Sample sample = c.factory().apply(dtype);
        List<Tensor> inputs = sample.inputs().stream().map(Tensor::copy).toList();
        Tensor y = Tape.withoutRecording(() -> sample.fn().apply(inputs));
        Tensor weights = Ops.random(RandomKind.UNIFORM, 9_001, -1, 1, y.dtype(), y.shape().dims());
        return new Prepared(sample, inputs, weights);
    }

    private static Tensor[] analytic(Prepared p) {
        Tensor[] analytic = new Tensor[p.inputs().size()];
        try (Tape tape = Tape.open()) {
            for (Tensor x : p.inputs()) tape.watch(x);
            Tensor loss = Diff.sum(Diff.mul(p.sample().fn().apply(p.inputs()), p.weights()));
            tape.backward(loss);
            for (int i = 0; i < analytic.length; i++) {
                Tensor x = p.inputs().get(i);
                analytic[i] = tape.gradient(x).orElseGet(() -> Tensor.zeros(x.dtype(), x.shape().dims()));
            }
        }
        return analytic;
    }

    private static Result compare(String label, OpCatalogue.Sample sample, List<Tensor> inputs, Tensor weights, Tensor[] analytic,
                                  double step, Tolerance tolerance) {
        double worst = -1, worstAnalytic = 0, worstNumeric = 0;
        String worstAt = "-";
        boolean passed = true;
        int elements = 0;
        for (int i = 0; i < inputs.size(); i++) {
            Tensor x = inputs.get(i);
            double[] exact = analytic[i].toDoubleArray();
            MemorySegment seg = x.storage().segment();
            DType dtype = x.dtype();
            StridedIndex it = new StridedIndex(x.layout());
            for (int k = 0; it.hasNext(); k++) {
                long at = it.next();
                double original = Elements.read(seg, dtype, at);
                Elements.write(seg, dtype, at, original + step);
                double plus = loss(sample, inputs, weights);
                Elements.write(seg, dtype, at, original - step);
                double minus = loss(sample, inputs, weights);
                Elements.write(seg, dtype, at, original);
                double numeric = (plus - minus) / (2 * step);
                double error = Math.abs(exact[k] - numeric);
                boolean ok = error <= tolerance.absolute() + tolerance.relative() * Math.abs(numeric);
                passed &= ok;
                elements++;
                if (error > worst || !ok && worstAt.equals("-")) {
                    worst = error;
                    worstAnalytic = exact[k];
                    worstNumeric = numeric;
                    worstAt = "input " + i + " element " + k;
                }
            }
        }
        return new Result(label, elements, worst, worstAnalytic, worstNumeric, worstAt, passed);
    }

    private static double loss(OpCatalogue.Sample sample, List<Tensor> inputs, Tensor weights) {
        return inNewScope(() -> Tape.withoutRecording(() -> Ops.sum(Ops.mul(sample.fn().apply(inputs), weights), false)).item());
    }

    /** Runs {@code body} in a scope of its own, freeing everything it allocated. */
    private static <T> T inNewScope(java.util.function.Supplier<T> body) {
        Scope scope = Scope.open();
        try {
            return body.get();
        } finally {
            scope.close();
        }
    }
}
