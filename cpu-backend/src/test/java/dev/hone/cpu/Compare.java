package dev.hone.cpu;

import dev.hone.tensor.DType;
import dev.hone.tensor.Elements;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.RandomKind;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test plumbing for the focused CPU tests: random inputs drawn by a backend's counter-based generator
 * (the same numbers on every backend), value copies between backends, and element comparison with
 * {@code |a - e| <= rel * |e| + abs * max|e|} (the test kit's rule; non-finite values must match).
 */
final class Compare {
    private Compare() { }

    static Tensor uniform(Backend backend, DType dtype, long seed, double lo, double hi, int... dims) {
        Tensor t = Tensor.empty(backend, dtype, Shape.of(dims));
        backend.random(RandomKind.UNIFORM, seed, lo, hi, t);
        return t;
    }

    /** A contiguous tensor on {@code backend} with src's values (exact for floats and for integers below 2^53). */
    static Tensor copyTo(Backend backend, Tensor src) {
        Tensor dst = Tensor.empty(backend, src.dtype(), src.shape());
        double[] values = src.toDoubleArray();
        for (int i = 0; i < values.length; i++) Elements.write(dst.storage().segment(), src.dtype(), i, values[i]);
        return dst;
    }

    static void assertClose(String what, Tensor expected, Tensor actual, double rel, double abs) {
        if (!expected.shape().equals(actual.shape())) fail(what + ": shape " + actual.shape() + " vs expected " + expected.shape());
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        double scale = 0;
        for (double v : e) if (Double.isFinite(v)) scale = Math.max(scale, Math.abs(v));
        int failures = 0;
        StringBuilder report = new StringBuilder();
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isFinite(e[i])
                    ? Math.abs(a[i] - e[i]) <= rel * Math.abs(e[i]) + abs * scale
                    : Double.compare(e[i], a[i]) == 0;
            if (!ok && failures++ < 5) report.append("\n  element ").append(i).append(": expected ").append(e[i]).append(", got ").append(a[i]);
        }
        if (failures > 0) fail(what + ": " + failures + " of " + e.length + " elements differ (max |expected| " + scale + ")" + report);
    }
}
