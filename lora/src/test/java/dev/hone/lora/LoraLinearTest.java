package dev.hone.lora;

import dev.hone.autograd.Diff;
import dev.hone.autograd.GradCheck;
import dev.hone.autograd.MatMulFn;
import dev.hone.autograd.OpCatalogue;
import dev.hone.autograd.Tape;
import dev.hone.autograd.nn.Linear;
import dev.hone.autograd.nn.LinearLayer;
import dev.hone.autograd.nn.Module;
import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.RandomKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * LoraLinear: the adapter forward equals the dense forward of the merged weight; unmerge restores the
 * weight; float64 central-difference gradient checks of A, B, DoRA's magnitude and the input; frozen
 * base weights get no gradient buffer; a non-dense base (any LinearLayer) works through the same wrapper.
 */
class LoraLinearTest {
    private static final int IN = 12, OUT = 9, R = 4, ROWS = 5;

    private static LoraLinear.AdapterSettings settings(LoraConfig.Variant v, double dropout) {
        return new LoraLinear.AdapterSettings(R, 8, 2.0, dropout, v);
    }

    /** A LoRA layer over a dense base with bias, A and B both random (B nonzero so the adapter matters). */
    private static LoraLinear layer(DType dtype, LoraConfig.Variant v, long seed) {
        Linear base = new Linear(IN, OUT, Linear.Bias.WITH_BIAS, dtype, seed);
        LoraLinear l = new LoraLinear(base, seed);
        l.addAdapter("default", settings(v, 0), Ops.random(RandomKind.UNIFORM, seed + 1, -0.5, 0.5, dtype, R, IN),
                Ops.random(RandomKind.UNIFORM, seed + 2, -0.5, 0.5, dtype, OUT, R), null);
        l.setActiveAdapter("default");
        return l;
    }

    private static double maxAbsDiff(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray(), y = b.toDoubleArray();
        double worst = 0;
        for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
        return worst;
    }

    @ParameterizedTest
    @EnumSource(LoraConfig.Variant.class)
    void forwardEqualsDenseForwardOfMergedWeight(LoraConfig.Variant variant) {
        try (Backend backend = TestBackends.fastest(); Scope scope = Scope.open(backend)) {
            LoraLinear l = layer(DType.F32, variant, 11);
            Tensor x = Ops.random(RandomKind.UNIFORM, 3, -1, 1, DType.F32, 2, ROWS, IN);
            Tensor lora = l.forward(x);
            Linear dense = new Linear(l.mergedWeight("default"), l.baseBias());
            assertThat(maxAbsDiff(lora, dense.forward(x))).as("LoRA vs merged dense forward").isLessThan(1e-5);
            assertThat(maxAbsDiff(lora, l.base().forward(x))).as("the adapter changes the output").isGreaterThan(1e-2);
            l.merge();
            assertThat(maxAbsDiff(l.forward(x), lora)).as("forward after in-place merge").isLessThan(1e-5);
        }
    }

    /**
     * Unmerge computes fl(fl(W + D) − D) with the same D, so each element is off by at most one rounding
     * of W + D and one of the difference: |W'' − W| <= ulp(max(|W|, |W + D|)). DoRA also divides by the
     * cached factor m / ||W + D||: a few ulps, bounded here by 4 ulp of the same magnitude.
     */
    @ParameterizedTest
    @EnumSource(LoraConfig.Variant.class)
    void unmergeRestoresTheWeight(LoraConfig.Variant variant) {
        try (Backend backend = TestBackends.fastest(); Scope scope = Scope.open(backend)) {
            LoraLinear l = layer(DType.F32, variant, 21);
            Linear base = (Linear) l.base();
            float[] before = base.weight().value().toFloatArray();
            float[] delta = l.deltaWeight("default").toFloatArray();
            l.merge();
            float[] merged = base.weight().value().toFloatArray();
            l.unmerge();
            float[] after = base.weight().value().toFloatArray();
            int ulps = variant == LoraConfig.Variant.LORA ? 1 : 4;
            boolean changed = false;
            for (int i = 0; i < before.length; i++) {
                float bound = ulps * Math.ulp(Math.max(Math.abs(before[i]), Math.max(Math.abs(before[i] + delta[i]), Math.abs(merged[i]))));
                assertThat(Math.abs(after[i] - before[i])).as("element %d", i).isLessThanOrEqualTo(bound);
                changed |= merged[i] != before[i];
            }
            assertThat(changed).as("merge changed W").isTrue();
            assertThat(l.isMerged()).isFalse();
        }
    }

    @Test
    void frozenBaseGetsNoGradientBufferAndAdaptersDo() {
        try (Backend backend = TestBackends.fastest(); Scope scope = Scope.open(backend)) {
            LoraLinear l = layer(DType.F32, LoraConfig.Variant.DORA, 31);
            Linear base = (Linear) l.base();
            assertThat(base.weight().trainable()).as("wrapping freezes the base").isFalse();
            try (Scope step = Scope.open(); Tape tape = Tape.open()) {
                Tensor x = Ops.random(RandomKind.UNIFORM, 5, -1, 1, DType.F32, ROWS, IN);
                tape.backward(Diff.sum(Diff.square(l.forward(x))));
            }
            assertThat(base.weight().grad()).as("frozen base weight gradient buffer").isNull();
            assertThat(base.bias().grad()).as("frozen base bias gradient buffer").isNull();
            assertThat(l.loraA("default").grad()).isNotNull();
            assertThat(l.loraB("default").grad()).isNotNull();
            assertThat(l.magnitude("default").grad()).isNotNull();
        }
    }

    /** A gradient-check case: the LoRA layer over a fixed F64 base, as a function of x, A, B (and m). */
    private static OpCatalogue.Case gradCase(LoraConfig.Variant variant) {
        return new OpCatalogue.Case(MatMulFn.MATMUL, "LoraLinear " + variant, dtype -> {
            Tensor w = Ops.random(RandomKind.UNIFORM, 41, -0.5, 0.5, dtype, OUT, IN);
            Tensor bias = Ops.random(RandomKind.UNIFORM, 42, -0.5, 0.5, dtype, OUT);
            Tensor x = Ops.random(RandomKind.UNIFORM, 43, -1, 1, dtype, ROWS, IN);
            Tensor a = Ops.random(RandomKind.UNIFORM, 44, -0.5, 0.5, dtype, R, IN);
            Tensor b = Ops.random(RandomKind.UNIFORM, 45, -0.5, 0.5, dtype, OUT, R);
            Tensor m = Ops.random(RandomKind.UNIFORM, 46, 0.5, 1.5, dtype, OUT);
            List<Tensor> inputs = variant == LoraConfig.Variant.DORA ? List.of(x, m) : List.of(x, a, b);
            return new OpCatalogue.Sample(inputs, in -> {
                LoraLinear l = new LoraLinear(new Linear(w, bias), 1);
                boolean dora = variant == LoraConfig.Variant.DORA;
                l.addAdapter("g", settings(variant, 0), dora ? a : in.get(1), dora ? b : in.get(2), dora ? in.get(1) : null);
                l.setActiveAdapter("g");
                return l.forward(in.get(0));
            });
        }, 1e-6);
    }

    @ParameterizedTest
    @EnumSource(LoraConfig.Variant.class)
    void gradientsMatchCentralDifferencesInFloat64(LoraConfig.Variant variant) {
        try (Backend reference = TestBackends.reference(); Scope scope = Scope.open(reference)) {
            GradCheck.Result r = GradCheck.check(gradCase(variant), DType.F64, GradCheck.Tolerance.FLOAT64);
            assertThat(r.passed()).as(r.toString()).isTrue();
        }
    }

    /**
     * DoRA treats the row norm n as a constant in backward, so its A and B gradients are those of plain
     * LoRA with B's rows scaled by g = m / n: dL/dA = dL/dA_lora(B' = diag(g) B), dL/dB = diag(g) dL/dB'.
     * The plain-LoRA gradients are themselves gradient-checked above.
     */
    @Test
    void doraAdapterGradientsAreLoraGradientsThroughTheDetachedNorm() {
        try (Backend reference = TestBackends.reference(); Scope scope = Scope.open(reference)) {
            DType f64 = DType.F64;
            Tensor w = Ops.random(RandomKind.UNIFORM, 51, -0.5, 0.5, f64, OUT, IN);
            Tensor x = Ops.random(RandomKind.UNIFORM, 52, -1, 1, f64, ROWS, IN);
            Tensor a = Ops.random(RandomKind.UNIFORM, 53, -0.5, 0.5, f64, R, IN);
            Tensor b = Ops.random(RandomKind.UNIFORM, 54, -0.5, 0.5, f64, OUT, R);
            Tensor m = Ops.random(RandomKind.UNIFORM, 55, 0.5, 1.5, f64, OUT);
            Tensor seed = Ops.random(RandomKind.UNIFORM, 56, -1, 1, f64, ROWS, OUT);
            LoraLinear dora = new LoraLinear(new Linear(w, null), 1);
            dora.addAdapter("d", settings(LoraConfig.Variant.DORA, 0), a, b, m);
            dora.setActiveAdapter("d");
            Tensor[] doraGrads = grads(dora, x, seed, "d");

            Tensor n = Ops.sqrt(Ops.sum(Ops.square(Ops.add(w, Ops.mul(Ops.matmul(b, a), 2.0))), false, 1));
            Tensor g = Ops.div(m, n).reshape(-1, 1); // [out, 1]
            LoraLinear plain = new LoraLinear(new Linear(w, null), 1);
            plain.addAdapter("p", settings(LoraConfig.Variant.LORA, 0), a.copy(), Ops.mul(b, g), null);
            plain.setActiveAdapter("p");
            Tensor[] plainGrads = grads(plain, x, seed, "p");
            assertThat(maxAbsDiff(doraGrads[0], plainGrads[0])).as("dL/dA").isLessThan(1e-12);
            assertThat(maxAbsDiff(doraGrads[1], Ops.mul(plainGrads[1], g))).as("dL/dB").isLessThan(1e-12);
        }
    }

    private static Tensor[] grads(LoraLinear l, Tensor x, Tensor seed, String adapter) {
        try (Tape tape = Tape.open()) {
            tape.backward(Diff.sum(Diff.mul(l.forward(x), seed)));
        }
        return new Tensor[] {l.loraA(adapter).grad(), l.loraB(adapter).grad()};
    }

    /** A linear layer that is not a dense Linear (as a quantized layer is not): only forward and sizes. */
    static final class OpaqueLinear extends Module implements LinearLayer {
        private final Linear inner;

        OpaqueLinear(Linear inner) { this.inner = register("inner", inner); }

        @Override
        public Tensor forward(Tensor x) { return inner.forward(x); }

        @Override
        public int inFeatures() { return inner.inFeatures(); }

        @Override
        public int outFeatures() { return inner.outFeatures(); }
    }

    @ParameterizedTest
    @EnumSource(LoraConfig.Variant.class)
    void anyLinearLayerCanBeWrapped(LoraConfig.Variant variant) {
        try (Backend backend = TestBackends.fastest(); Scope scope = Scope.open(backend)) {
            LoraLinear dense = layer(DType.F32, variant, 61);
            Linear base = (Linear) dense.base();
            LoraLinear opaque = new LoraLinear(new OpaqueLinear(base), 61);
            opaque.addAdapter("default", dense.settings("default"), dense.loraA("default").value(), dense.loraB("default").value(), null);
            opaque.setActiveAdapter("default");
            Tensor x = Ops.random(RandomKind.UNIFORM, 7, -1, 1, DType.F32, ROWS, IN);
            assertThat(maxAbsDiff(opaque.forward(x), dense.forward(x))).isLessThan(1e-5);
            assertThat(maxAbsDiff(opaque.mergedWeight("default"), dense.mergedWeight("default"))).isLessThan(1e-5);
            assertThatThrownBy(opaque::merge).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("OpaqueLinear");
        }
    }

    @Test
    void wrongAdapterShapesAreRefusedWithTheShapes() {
        try (Backend backend = TestBackends.fastest(); Scope scope = Scope.open(backend)) {
            LoraLinear l = new LoraLinear(new Linear(IN, OUT, Linear.Bias.NO_BIAS, DType.F32, 1), 1);
            assertThatThrownBy(() -> l.addAdapter("x", settings(LoraConfig.Variant.LORA, 0), Tensor.zeros(DType.F32, R, IN + 1),
                    Tensor.zeros(DType.F32, OUT, R), null))
                    .hasMessageContaining("[4, 12]").hasMessageContaining("[4, 13]");
        }
    }
}
