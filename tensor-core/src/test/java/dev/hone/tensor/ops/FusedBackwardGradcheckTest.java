package dev.hone.tensor.ops;

import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.reference.ReferenceBackend;
import dev.hone.tensor.spi.FusedOps;
import dev.hone.tensor.spi.RandomKind;
import dev.hone.tensor.spi.RopeStyle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every backward method of both FusedOps implementations (reference loops and composite) checked in
 * F64 against central finite differences of its own forward: for L = sum(forward(x) * w) with random
 * w, the backward given dy = w must equal (L(x + h e_i) - L(x - h e_i)) / 2h for every element i.
 * This ties each gradient formula to its forward independently of how the formula was derived.
 */
class FusedBackwardGradcheckTest {
    private static final double STEP = 1e-6, TOLERANCE = 1e-7;

    enum Implementation {
        REFERENCE_LOOPS, COMPOSITE;

        FusedOps ops(ReferenceBackend backend) { return this == REFERENCE_LOOPS ? backend : new CompositeFusedOps(); }
    }

    private final ReferenceBackend backend = new ReferenceBackend();
    private Scope scope;
    private long seed = 1;

    @BeforeEach
    void open() { scope = Scope.open(backend); }

    @AfterEach
    void close() {
        scope.close();
        backend.close();
    }

    private Tensor random(double lo, double hi, int... dims) { return Ops.random(RandomKind.UNIFORM, seed++, lo, hi, DType.F64, dims); }

    /** sum(output * weight) of a forward evaluated in a scratch scope. */
    private static double loss(Supplier<Tensor> forward, Tensor weight) {
        try (Scope ignored = Scope.open()) {
            return Ops.sum(Ops.mul(forward.get(), weight), false).item();
        }
    }

    /** Compares {@code analytic} with the finite-difference gradient of the loss with respect to {@code input}. */
    private static void assertGradient(String what, Tensor input, Tensor analytic, Supplier<Tensor> forward, Tensor weight) {
        double[] expected = new double[Math.toIntExact(input.numel())];
        int[] dims = input.shape().dims();
        for (int i = 0; i < expected.length; i++) {
            int[] at = unravel(i, dims);
            double original = input.getDouble(at);
            input.set(original + STEP, at);
            double plus = loss(forward, weight);
            input.set(original - STEP, at);
            double minus = loss(forward, weight);
            input.set(original, at);
            expected[i] = (plus - minus) / (2 * STEP);
        }
        double[] actual = analytic.toDoubleArray();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], TOLERANCE, what + " element " + i);
        }
    }

    private static int[] unravel(int flat, int[] dims) {
        int[] index = new int[dims.length];
        for (int a = dims.length - 1; a >= 0; a--) {
            index[a] = flat % dims[a];
            flat /= dims[a];
        }
        return index;
    }

    private static Tensor outputOf(Tensor like, Shape shape, java.util.function.Consumer<Tensor> kernel) {
        Tensor out = Tensor.empty(like.backend(), DType.F64, shape);
        kernel.accept(out);
        return out;
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void softmaxFamily(Implementation implementation) {
        FusedOps ops = implementation.ops(backend);
        Tensor x = random(-3, 3, 3, 5), w = random(-1, 1, 3, 5);
        Supplier<Tensor> softmax = () -> outputOf(x, x.shape(), y -> ops.softmax(x, y));
        Tensor dx = x.emptyLike();
        ops.softmaxBackward(softmax.get(), w, dx);
        assertGradient("softmaxBackward", x, dx, softmax, w);
        Supplier<Tensor> logSoftmax = () -> outputOf(x, x.shape(), y -> ops.logSoftmax(x, y));
        ops.logSoftmaxBackward(logSoftmax.get(), w, dx);
        assertGradient("logSoftmaxBackward", x, dx, logSoftmax, w);
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void crossEntropy(Implementation implementation) {
        FusedOps ops = implementation.ops(backend);
        Tensor logits = random(-3, 3, 4, 6), w = random(-1, 1, 4);
        Tensor targets = Tensor.ofInts(new int[] {2, -100, 5, 0}, 4);
        Tensor lse = Tensor.empty(DType.F64, 4);
        Supplier<Tensor> loss = () -> outputOf(logits, Shape.of(4), l -> ops.crossEntropy(logits, targets, -100, l, lse));
        loss.get();
        Tensor dlogits = logits.emptyLike();
        ops.crossEntropyBackward(logits, targets, -100, lse, w, dlogits);
        assertGradient("crossEntropyBackward", logits, dlogits, loss, w);
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void rmsNorm(Implementation implementation) {
        FusedOps ops = implementation.ops(backend);
        Tensor x = random(-2, 2, 3, 8), weight = random(0.5, 1.5, 8), w = random(-1, 1, 3, 8);
        Tensor rstd = Tensor.empty(DType.F64, 3);
        Supplier<Tensor> forward = () -> outputOf(x, x.shape(), y -> ops.rmsNorm(x, weight, 1e-5f, y, rstd));
        forward.get();
        Tensor dx = x.emptyLike(), dweight = Tensor.zeros(DType.F64, 8);
        ops.rmsNormBackward(x, weight, rstd, w, dx, dweight);
        assertGradient("rmsNormBackward dx", x, dx, forward, w);
        assertGradient("rmsNormBackward dweight", weight, dweight, forward, w);
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void swiglu(Implementation implementation) {
        FusedOps ops = implementation.ops(backend);
        Tensor gate = random(-4, 4, 2, 7), up = random(-2, 2, 2, 7), w = random(-1, 1, 2, 7);
        Supplier<Tensor> forward = () -> outputOf(gate, gate.shape(), y -> ops.swiglu(gate, up, y));
        Tensor dgate = gate.emptyLike(), dup = up.emptyLike();
        ops.swigluBackward(gate, up, w, dgate, dup);
        assertGradient("swigluBackward dgate", gate, dgate, forward, w);
        assertGradient("swigluBackward dup", up, dup, forward, w);
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void ropeInverseIsItsBackward(Implementation implementation) {
        FusedOps ops = implementation.ops(backend);
        Tensor cos = Ops.cos(random(-3, 3, 6, 4)), sin = Ops.sin(random(-3, 3, 6, 4));
        Tensor positions = Tensor.ofInts(new int[] {5, 0, 3}, 1, 3);
        for (RopeStyle style : RopeStyle.values()) {
            Tensor x = random(-1, 1, 1, 3, 2, 8), w = random(-1, 1, 1, 3, 2, 8);
            Function<Boolean, Supplier<Tensor>> rope = inverse -> () -> outputOf(x, x.shape(),
                    y -> ops.rope(x, cos, sin, positions, style, inverse, y));
            Tensor dx = x.emptyLike();
            ops.rope(w, cos, sin, positions, style, true, dx);
            assertGradient("rope " + style + " backward", x, dx, rope.apply(false), w);
        }
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void groupedCausalPackedAttention(Implementation implementation) {
        FusedOps ops = implementation.ops(backend);
        Tensor q = random(-1, 1, 1, 4, 3, 4), k = random(-1, 1, 1, 2, 5, 4), v = random(-1, 1, 1, 2, 5, 4);
        Tensor w = random(-1, 1, 1, 4, 3, 4);
        Tensor segments = Tensor.ofInts(new int[] {7, 7, 8, 8, 8}, 1, 5);
        Tensor lse = Tensor.empty(DType.F64, 1, 4, 3);
        Supplier<Tensor> forward = () -> outputOf(q, q.shape(), out -> ops.attention(q, k, v, 0.7f, true, segments, out, lse));
        Tensor out = forward.get();
        Tensor dq = q.emptyLike(), dk = k.emptyLike(), dv = v.emptyLike();
        ops.attentionBackward(q, k, v, 0.7f, true, segments, out, lse, w, dq, dk, dv);
        assertGradient("attentionBackward dq", q, dq, forward, w);
        assertGradient("attentionBackward dk", k, dk, forward, w);
        assertGradient("attentionBackward dv", v, dv, forward, w);
    }
}
