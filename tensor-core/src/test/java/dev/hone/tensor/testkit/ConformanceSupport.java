package dev.hone.tensor.testkit;

import dev.hone.tensor.DType;
import dev.hone.tensor.Device;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.reference.ReferenceBackend;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.RandomKind;
import org.junit.jupiter.api.function.Executable;

import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Plumbing of the backend test kit: a fresh {@link ReferenceBackend} as the oracle, paired operands
 * (the same values on the reference and on the backend under test, seen through the same view), and
 * the comparison of results within a {@link Tolerance}. Operands reach the backend under test through its
 * {@code copyFromHost} and results come back through {@code copyToHost}, so accelerators need no overrides.
 */
public abstract class ConformanceSupport {

    /** The backend to check. Called once per test case; the kit never closes it. */
    protected abstract Backend backendUnderTest();

    /** Views applied identically to an operand on both backends; each makes a differently strided input. */
    public enum Variant {
        /** Row-major, offset 0. */
        CONTIGUOUS,
        /** Last two axes stored swapped (stride 1 on the second-to-last axis); rank >= 2 only. */
        TRANSPOSED,
        /** A window of a wider tensor: nonzero offset and gaps between rows. */
        OFFSET,
        /** First and last axes broadcast from size 1 (stride 0). */
        BROADCAST;

        int[] baseDims(int[] dims) {
            int[] base = dims.clone();
            int last = dims.length - 1;
            switch (this) {
                case CONTIGUOUS -> { }
                case TRANSPOSED -> {
                    base[last] = dims[last - 1];
                    base[last - 1] = dims[last];
                }
                case OFFSET -> base[last] = dims[last] + 3;
                case BROADCAST -> {
                    base[0] = 1;
                    base[last] = 1;
                }
            }
            return base;
        }

        Tensor view(Tensor base, int[] dims) {
            return switch (this) {
                case CONTIGUOUS -> base;
                case TRANSPOSED -> base.transpose(-1, -2);
                case OFFSET -> base.narrow(-1, 1, dims[dims.length - 1]);
                case BROADCAST -> base.expand(dims);
            };
        }

        boolean appliesTo(int[] dims) { return dims.length >= (this == TRANSPOSED ? 2 : 1); }
    }

    /** One input: {@code expected} lives on the reference backend, {@code actual} on the backend under test. */
    public record Pair(Tensor expected, Tensor actual) {
        public Pair map(UnaryOperator<Tensor> view) { return new Pair(view.apply(expected), view.apply(actual)); }

        public Shape shape() { return expected.shape(); }
    }

    private ReferenceBackend reference;
    private Backend underTest;

    protected final Backend reference() { return reference; }

    protected final Backend underTest() { return underTest; }

    /** Runs a check with both backends ready and every tensor it makes released afterwards. */
    protected final Executable check(Executable body) {
        return () -> {
            reference = new ReferenceBackend();
            underTest = backendUnderTest();
            try (Scope ignored = Scope.open(underTest)) {
                body.execute();
            } finally {
                reference.close();
            }
        };
    }

    // ---------------------------------------------------------------- moving data

    /** A new contiguous tensor on the backend under test holding {@code host}'s values (uploaded where it is an accelerator). */
    protected Tensor upload(Tensor host) {
        Tensor src = host.contiguous();
        Tensor dst = Tensor.empty(underTest, src.dtype(), src.shape());
        if (src.numel() > 0) underTest.copyFromHost(src.storage().segment(), src.layout().offset() * src.dtype().byteSize(), dst);
        return dst;
    }

    /** A host tensor readable with {@link Tensor#toDoubleArray()} holding {@code t}'s values (downloaded from an accelerator). */
    protected Tensor download(Tensor t) { return t.device().kind() == Device.Kind.CPU ? t : t.to(reference); }

    // ---------------------------------------------------------------- making inputs

    /** Uniform values in [lo, hi) rounded to {@code dtype}, on the reference backend. */
    protected final Tensor hostUniform(DType dtype, int[] dims, long seed, double lo, double hi) {
        Tensor t = Tensor.empty(reference, dtype, Shape.of(dims));
        reference.random(RandomKind.UNIFORM, seed, lo, hi, t);
        return t;
    }

    /** The same host values on both backends. */
    protected final Pair pairOf(Tensor host) { return new Pair(host, upload(host)); }

    /** Uniform values in [lo, hi) of logical shape {@code dims}, seen through {@code variant} on both backends. */
    protected final Pair uniform(DType dtype, int[] dims, Variant variant, long seed, double lo, double hi) {
        Pair base = pairOf(hostUniform(dtype, variant.baseDims(dims), seed, lo, hi));
        return base.map(t -> variant.view(t, dims));
    }

    protected final Pair uniform(DType dtype, int[] dims, long seed, double lo, double hi) {
        return uniform(dtype, dims, Variant.CONTIGUOUS, seed, lo, hi);
    }

    /** Uninitialised (then zero-filled) outputs of the same shape on both backends. */
    protected final Pair zeros(DType dtype, int... dims) {
        Tensor expected = Tensor.empty(reference, dtype, Shape.of(dims));
        Tensor actual = Tensor.empty(underTest, dtype, Shape.of(dims));
        reference.fill(expected, 0);
        underTest.fill(actual, 0);
        return new Pair(expected, actual);
    }

    // ---------------------------------------------------------------- comparing

    protected final void assertClose(String what, Pair result, Tolerance tolerance) {
        assertClose(what, result.expected(), result.actual(), tolerance);
    }

    protected final void assertClose(String what, Tensor expectedTensor, Tensor actualTensor, Tolerance tolerance) {
        if (!expectedTensor.shape().equals(actualTensor.shape()) || expectedTensor.dtype() != actualTensor.dtype()) {
            fail(what + ": expected " + expectedTensor.shape() + " " + expectedTensor.dtype() + ", got "
                    + actualTensor.shape() + " " + actualTensor.dtype());
        }
        double[] expected = expectedTensor.toDoubleArray();
        double[] actual = download(actualTensor).toDoubleArray();
        double scale = 0;
        for (double e : expected) if (Double.isFinite(e)) scale = Math.max(scale, Math.abs(e));
        int failures = 0;
        StringBuilder report = new StringBuilder();
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            boolean ok = Double.isFinite(e)
                    ? Math.abs(a - e) <= tolerance.relative() * Math.abs(e) + tolerance.absolute() * scale
                    : Double.compare(e, a) == 0 || (Double.isNaN(e) && Double.isNaN(a));
            if (!ok && failures++ < 5) {
                report.append("\n  element ").append(i).append(": expected ").append(e).append(", got ").append(a)
                        .append(" (diff ").append(Math.abs(a - e)).append(")");
            }
        }
        if (failures > 0) {
            fail(what + " on " + underTest.name() + ": " + failures + " of " + expected.length + " elements outside "
                    + tolerance + " (largest |expected| " + scale + ")" + report);
        }
    }
}
