package dev.hone.tensor.testkit;

import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.FusedOps;
import dev.hone.tensor.spi.RopeStyle;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The shared backend test kit. Extend it, implement {@link #backendUnderTest()}, and every primitive
 * (see {@link PrimitiveConformanceTests}) and every {@link FusedOps} method, forward and backward, is
 * compared against {@link dev.hone.tensor.reference.ReferenceBackend} on random inputs. Fused ops are
 * taken from {@code Ops.fused(tensor)}: the backend's own kernels, or the composite of its primitives
 * when it has none, so the composite is checked too. A test fails when a FusedOps method has no case.
 *
 * <p>Tolerances ({@link Tolerance}: {@code |a - e| <= rel * |e| + abs * max|e|} per tensor):
 * <ul>
 *   <li>F32 elementwise (unary, binary, scatter-add, random): rel = abs = 1e-6;</li>
 *   <li>F32 reductions (sum, mean): 1e-5; max, min, argmax, compare, where, gather, copy, fill and
 *       every cast: exact;</li>
 *   <li>matmul with F32 accumulation over K: 1e-5 * sqrt(K);</li>
 *   <li>F32 fused ops: 2e-5;</li>
 *   <li>any BF16 result: 1e-2 (one BF16 rounding step); F16: 2e-3.</li>
 * </ul>
 * Inputs: sizes 1, 7, 17, 33, 129 (vector tails), transposed, offset/gapped and stride-0 views.
 * Accelerator backends override {@link #upload} and {@link #download}.
 */
public abstract class BackendConformanceTests extends PrimitiveConformanceTests {

    private FusedOps expectedOps() { return (FusedOps) reference(); }

    private static FusedOps actualOps(Pair anyInput) { return Ops.fused(anyInput.actual()); }

    private static final List<DType> ACTIVATION_TYPES = List.of(DType.F32, DType.BF16);

    private static Tolerance fusedTolerance(DType dtype) { return Tolerance.forOutput(dtype, Tolerance.F32_FUSED); }

    /** A host tensor with given values, uploaded to both sides. */
    private Pair values(DType dtype, double[] data, int... dims) {
        Tensor host = Tensor.empty(reference(), dtype, Shape.of(dims));
        for (int i = 0; i < data.length; i++) host.set(data[i], unravel(i, dims));
        return pairOf(host);
    }

    private static int[] unravel(int flat, int[] dims) {
        int[] index = new int[dims.length];
        for (int a = dims.length - 1; a >= 0; a--) {
            index[a] = flat % dims[a];
            flat /= dims[a];
        }
        return index;
    }

    private static int rows(int[] shape) { return Math.toIntExact(Shape.of(shape).numel() / shape[shape.length - 1]); }

    private static final List<int[]> ROW_SHAPES = List.of(new int[] {1, 7}, new int[] {3, 33}, new int[] {2, 3, 129});

    // ---------------------------------------------------------------- the cases, one per FusedOps method

    private Map<String, Executable> fusedCases() {
        Map<String, Executable> cases = new LinkedHashMap<>();
        cases.put("softmax", () -> rowOp("softmax", (ops, x, y) -> ops.softmax(x, y)));
        cases.put("logSoftmax", () -> rowOp("logSoftmax", (ops, x, y) -> ops.logSoftmax(x, y)));
        cases.put("softmaxBackward", () -> rowBackward("softmaxBackward", FusedOps::softmax, FusedOps::softmaxBackward));
        cases.put("logSoftmaxBackward", () -> rowBackward("logSoftmaxBackward", FusedOps::logSoftmax, FusedOps::logSoftmaxBackward));
        cases.put("crossEntropy", () -> crossEntropy(false));
        cases.put("crossEntropyBackward", () -> crossEntropy(true));
        cases.put("rmsNorm", () -> rmsNorm(false));
        cases.put("rmsNormBackward", () -> rmsNorm(true));
        cases.put("layerNorm", () -> layerNorm(false));
        cases.put("layerNormBackward", () -> layerNorm(true));
        cases.put("geluTanhBackward", this::geluTanhBackward);
        cases.put("swiglu", () -> swiglu(false));
        cases.put("swigluBackward", () -> swiglu(true));
        cases.put("rope", this::rope);
        cases.put("attention", () -> attention(false));
        cases.put("attentionBackward", () -> attention(true));
        cases.put("adamw", this::adamw);
        return cases;
    }

    @TestFactory
    Stream<DynamicTest> fusedOps() {
        return fusedCases().entrySet().stream().map(e -> DynamicTest.dynamicTest("fused " + e.getKey(), check(e.getValue())));
    }

    @Test
    void everyFusedOpHasACase() {
        TreeSet<String> declared = new TreeSet<>();
        for (Method m : FusedOps.class.getDeclaredMethods()) declared.add(m.getName());
        assertEquals(declared, new TreeSet<>(fusedCases().keySet()), "FusedOps methods vs kit cases");
    }

    // ---------------------------------------------------------------- softmax family

    @FunctionalInterface
    private interface RowKernel { void apply(FusedOps ops, Tensor x, Tensor y); }

    private void rowOp(String name, RowKernel kernel) {
        long seed = 2000;
        for (DType dtype : ACTIVATION_TYPES) {
            for (int[] shape : ROW_SHAPES) {
                for (Variant variant : List.of(Variant.CONTIGUOUS, Variant.TRANSPOSED, Variant.OFFSET)) {
                    Pair x = uniform(dtype, shape, variant, seed++, -4, 4);
                    Pair y = zeros(dtype, shape);
                    kernel.apply(expectedOps(), x.expected(), y.expected());
                    kernel.apply(actualOps(x), x.actual(), y.actual());
                    assertClose(name + " " + dtype + " " + Arrays.toString(shape) + " " + variant, y, fusedTolerance(dtype));
                }
            }
        }
    }

    @FunctionalInterface
    private interface RowBackwardKernel { void apply(FusedOps ops, Tensor y, Tensor dy, Tensor dx); }

    private void rowBackward(String name, RowKernel forward, RowBackwardKernel backward) {
        long seed = 2100;
        for (DType dtype : ACTIVATION_TYPES) {
            for (int[] shape : ROW_SHAPES) {
                Pair x = uniform(dtype, shape, seed++, -4, 4);
                Tensor yHost = Tensor.empty(reference(), dtype, Shape.of(shape));
                forward.apply(expectedOps(), x.expected(), yHost);
                Pair y = pairOf(yHost);
                Pair dy = uniform(dtype, shape, Variant.TRANSPOSED, seed++, -1, 1);
                Pair dx = zeros(dtype, shape);
                backward.apply(expectedOps(), y.expected(), dy.expected(), dx.expected());
                backward.apply(actualOps(y), y.actual(), dy.actual(), dx.actual());
                assertClose(name + " " + dtype + " " + Arrays.toString(shape), dx, fusedTolerance(dtype));
            }
        }
    }

    // ---------------------------------------------------------------- cross-entropy

    /** Losses (and their gradients) in F32 and, for 16-bit logits, in the logits' dtype too, as autograd allocates them. */
    private void crossEntropy(boolean backward) {
        long seed = 2200;
        for (DType dtype : ACTIVATION_TYPES) {
            for (DType targetType : List.of(DType.I32, DType.I64)) {
                for (int vocab : new int[] {7, 129}) {
                    for (DType lossType : dtype == DType.F32 ? List.of(DType.F32) : List.of(DType.F32, dtype)) {
                        crossEntropy(backward, dtype, targetType, vocab, lossType, seed);
                        seed += 3;
                    }
                }
            }
        }
    }

    private void crossEntropy(boolean backward, DType dtype, DType targetType, int vocab, DType lossType, long seed) {
        int ignoreIndex = -100, n = 6;
        Pair logits = uniform(dtype, new int[] {n, vocab}, Variant.OFFSET, seed, -5, 5);
        Tensor targetHost = Ops.cast(hostUniform(DType.F32, new int[] {n}, seed + 1, 0, vocab), targetType);
        targetHost.set(ignoreIndex, 2);
        Pair targets = pairOf(targetHost);
        String what = "crossEntropy" + (backward ? "Backward " : " ") + dtype + " targets " + targetType + " V=" + vocab + " loss " + lossType;
        Pair loss = zeros(lossType, n), lse = zeros(DType.F32, n);
        expectedOps().crossEntropy(logits.expected(), targets.expected(), ignoreIndex, loss.expected(), lse.expected());
        if (!backward) {
            actualOps(logits).crossEntropy(logits.actual(), targets.actual(), ignoreIndex, loss.actual(), lse.actual());
            assertClose(what + " loss", loss, Tolerance.forOutput(lossType, Tolerance.F32_FUSED));
            assertClose(what + " lse", lse, Tolerance.F32_FUSED);
            return;
        }
        Pair savedLse = pairOf(lse.expected());
        Pair dloss = uniform(lossType, new int[] {n}, seed + 2, -1, 1);
        Pair dlogits = zeros(dtype, n, vocab);
        expectedOps().crossEntropyBackward(logits.expected(), targets.expected(), ignoreIndex, savedLse.expected(), dloss.expected(), dlogits.expected());
        actualOps(logits).crossEntropyBackward(logits.actual(), targets.actual(), ignoreIndex, savedLse.actual(), dloss.actual(), dlogits.actual());
        assertClose(what + " dlogits", dlogits, fusedTolerance(dtype));
    }

    // ---------------------------------------------------------------- RMSNorm, LayerNorm, GELU, SwiGLU

    private void rmsNorm(boolean backward) {
        float eps = 1e-5f;
        long seed = 2300;
        for (DType dtype : ACTIVATION_TYPES) {
            for (int[] shape : ROW_SHAPES) {
                int d = shape[shape.length - 1], n = rows(shape);
                Pair x = uniform(dtype, shape, Variant.OFFSET, seed++, -2, 2);
                Pair weight = uniform(dtype, new int[] {d}, seed++, 0.5, 1.5);
                Pair y = zeros(dtype, shape), rstd = zeros(DType.F32, n);
                String what = "rmsNorm" + (backward ? "Backward " : " ") + dtype + " " + Arrays.toString(shape);
                expectedOps().rmsNorm(x.expected(), weight.expected(), eps, y.expected(), rstd.expected());
                if (!backward) {
                    actualOps(x).rmsNorm(x.actual(), weight.actual(), eps, y.actual(), rstd.actual());
                    assertClose(what + " y", y, fusedTolerance(dtype));
                    assertClose(what + " rstd", rstd, Tolerance.F32_FUSED);
                    continue;
                }
                Pair savedRstd = pairOf(rstd.expected());
                Pair dy = uniform(dtype, shape, Variant.TRANSPOSED, seed++, -1, 1);
                for (boolean frozen : new boolean[] {false, true}) {
                    Pair dx = zeros(dtype, shape);
                    Pair dweight = frozen ? new Pair(null, null) : uniform(DType.F32, new int[] {d}, seed++, -1, 1);
                    expectedOps().rmsNormBackward(x.expected(), weight.expected(), savedRstd.expected(), dy.expected(),
                            dx.expected(), dweight.expected());
                    actualOps(x).rmsNormBackward(x.actual(), weight.actual(), savedRstd.actual(), dy.actual(),
                            dx.actual(), dweight.actual());
                    assertClose(what + " dx" + (frozen ? " (frozen weight)" : ""), dx, fusedTolerance(dtype));
                    if (!frozen) assertClose(what + " dweight (accumulated)", dweight, Tolerance.F32_FUSED);
                }
            }
        }
    }

    private void layerNorm(boolean backward) {
        float eps = 1e-5f;
        long seed = 2350;
        for (DType dtype : ACTIVATION_TYPES) {
            for (int[] shape : ROW_SHAPES) {
                int d = shape[shape.length - 1], n = rows(shape);
                Pair x = uniform(dtype, shape, Variant.OFFSET, seed++, -1, 3);
                Pair weight = uniform(dtype, new int[] {d}, seed++, 0.5, 1.5);
                Pair bias = uniform(dtype, new int[] {d}, seed++, -1, 1);
                Pair y = zeros(dtype, shape), mean = zeros(DType.F32, n), rstd = zeros(DType.F32, n);
                String what = "layerNorm" + (backward ? "Backward " : " ") + dtype + " " + Arrays.toString(shape);
                expectedOps().layerNorm(x.expected(), weight.expected(), bias.expected(), eps, y.expected(), mean.expected(), rstd.expected());
                if (!backward) {
                    actualOps(x).layerNorm(x.actual(), weight.actual(), bias.actual(), eps, y.actual(), mean.actual(), rstd.actual());
                    assertClose(what + " y", y, fusedTolerance(dtype));
                    assertClose(what + " mean", mean, Tolerance.F32_FUSED);
                    assertClose(what + " rstd", rstd, Tolerance.F32_FUSED);
                    continue;
                }
                Pair savedMean = pairOf(mean.expected()), savedRstd = pairOf(rstd.expected());
                Pair dy = uniform(dtype, shape, Variant.TRANSPOSED, seed++, -1, 1);
                for (boolean frozen : new boolean[] {false, true}) {
                    Pair dx = zeros(dtype, shape);
                    Pair dweight = frozen ? new Pair(null, null) : uniform(DType.F32, new int[] {d}, seed++, -1, 1);
                    Pair dbias = frozen ? new Pair(null, null) : uniform(DType.F32, new int[] {d}, seed++, -1, 1);
                    expectedOps().layerNormBackward(x.expected(), weight.expected(), savedMean.expected(), savedRstd.expected(),
                            dy.expected(), dx.expected(), dweight.expected(), dbias.expected());
                    actualOps(x).layerNormBackward(x.actual(), weight.actual(), savedMean.actual(), savedRstd.actual(),
                            dy.actual(), dx.actual(), dweight.actual(), dbias.actual());
                    assertClose(what + " dx" + (frozen ? " (frozen weight and bias)" : ""), dx, fusedTolerance(dtype));
                    if (!frozen) {
                        assertClose(what + " dweight (accumulated)", dweight, Tolerance.F32_FUSED);
                        assertClose(what + " dbias (accumulated)", dbias, Tolerance.F32_FUSED);
                    }
                }
            }
        }
    }

    private void geluTanhBackward() {
        long seed = 2380;
        for (DType dtype : ACTIVATION_TYPES) {
            for (int[] shape : ROW_SHAPES) {
                Pair x = uniform(dtype, shape, Variant.TRANSPOSED, seed++, -6, 6);
                Pair dy = uniform(dtype, shape, Variant.OFFSET, seed++, -1, 1);
                Pair dx = zeros(dtype, shape);
                expectedOps().geluTanhBackward(x.expected(), dy.expected(), dx.expected());
                actualOps(x).geluTanhBackward(x.actual(), dy.actual(), dx.actual());
                assertClose("geluTanhBackward " + dtype + " " + Arrays.toString(shape), dx, fusedTolerance(dtype));
            }
        }
    }

    private void swiglu(boolean backward) {
        long seed = 2400;
        for (DType dtype : ACTIVATION_TYPES) {
            for (int[] shape : ROW_SHAPES) {
                Pair gate = uniform(dtype, shape, Variant.TRANSPOSED, seed++, -5, 5);
                Pair up = uniform(dtype, shape, Variant.OFFSET, seed++, -2, 2);
                String what = "swiglu" + (backward ? "Backward " : " ") + dtype + " " + Arrays.toString(shape);
                if (!backward) {
                    Pair y = zeros(dtype, shape);
                    expectedOps().swiglu(gate.expected(), up.expected(), y.expected());
                    actualOps(gate).swiglu(gate.actual(), up.actual(), y.actual());
                    assertClose(what, y, fusedTolerance(dtype));
                    continue;
                }
                Pair dy = uniform(dtype, shape, seed++, -1, 1);
                Pair dgate = zeros(dtype, shape), dup = zeros(dtype, shape);
                expectedOps().swigluBackward(gate.expected(), up.expected(), dy.expected(), dgate.expected(), dup.expected());
                actualOps(gate).swigluBackward(gate.actual(), up.actual(), dy.actual(), dgate.actual(), dup.actual());
                assertClose(what + " dgate", dgate, fusedTolerance(dtype));
                assertClose(what + " dup", dup, fusedTolerance(dtype));
            }
        }
    }

    // ---------------------------------------------------------------- RoPE

    private void rope() {
        int b = 2, t = 5, h = 3, d = 8, maxPos = 16, half = d / 2;
        double[] cos = new double[maxPos * half], sin = new double[maxPos * half];
        for (int p = 0; p < maxPos; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * Math.pow(10000, -2.0 * i / d);
                cos[p * half + i] = Math.cos(angle);
                sin[p * half + i] = Math.sin(angle);
            }
        }
        Pair cosTable = values(DType.F32, cos, maxPos, half), sinTable = values(DType.F32, sin, maxPos, half);
        Pair positions = castPair(uniform(DType.F32, new int[] {b, t}, 2500, 0, maxPos), DType.I32);
        long seed = 2501;
        for (DType dtype : ACTIVATION_TYPES) {
            for (RopeStyle style : RopeStyle.values()) {
                for (boolean inverse : new boolean[] {false, true}) {
                    Pair x = uniform(dtype, new int[] {b, t, h, d}, inverse ? Variant.OFFSET : Variant.CONTIGUOUS, seed++, -2, 2);
                    Pair y = zeros(dtype, b, t, h, d);
                    expectedOps().rope(x.expected(), cosTable.expected(), sinTable.expected(), positions.expected(), style, inverse, y.expected());
                    actualOps(x).rope(x.actual(), cosTable.actual(), sinTable.actual(), positions.actual(), style, inverse, y.actual());
                    assertClose("rope " + dtype + " " + style + (inverse ? " inverse" : ""), y, fusedTolerance(dtype));
                }
            }
        }
    }

    private Pair castPair(Pair p, DType dtype) { return new Pair(Ops.cast(p.expected(), dtype), Ops.cast(p.actual(), dtype)); }

    // ---------------------------------------------------------------- attention

    /**
     * (B, H, Hkv, T, S, D): grouped heads with more keys than queries, and plain square self-attention; then sizes
     * past one 64-wide tile in both directions (partial last tiles, a head dim that is no multiple of 64), the
     * widest head a tiled GPU kernel takes (128), and a wider one (136) that takes another path there; last,
     * grouped heads in a batch of 8 (16 batch x kv-head pairs: the CPU backward's per-kv-head tasks, where the
     * smaller grouped shapes above take its per-query-head tasks).
     */
    private static final int[][] ATTENTION_SIZES = {{2, 4, 2, 5, 7, 8}, {1, 2, 2, 6, 6, 16}, {1, 4, 2, 130, 200, 72}, {1, 2, 2, 64, 65, 128},
            {1, 2, 1, 33, 33, 136}, {8, 4, 2, 9, 9, 8}};

    private void attention(boolean backward) {
        long seed = 2600;
        for (int[] size : ATTENTION_SIZES) {
            int b = size[0], h = size[1], hkv = size[2], t = size[3], s = size[4], d = size[5];
            double[] segmentIds = new double[b * s];
            for (int i = 0; i < segmentIds.length; i++) segmentIds[i] = (i % s) < s / 2 ? 0 : 1 + i / s;
            for (DType dtype : ACTIVATION_TYPES) {
                for (boolean causal : new boolean[] {false, true}) {
                    for (boolean packed : new boolean[] {false, true}) {
                        Pair segments = packed ? values(DType.I32, segmentIds, b, s) : new Pair(null, null);
                        Pair q = uniform(dtype, new int[] {b, h, t, d}, Variant.OFFSET, seed++, -1, 1);
                        Pair k = uniform(dtype, new int[] {b, hkv, s, d}, Variant.OFFSET, seed++, -1, 1);
                        Pair v = uniform(dtype, new int[] {b, hkv, s, d}, Variant.TRANSPOSED, seed++, -1, 1);
                        float scale = (float) (1 / Math.sqrt(d));
                        // with segments, the outputs are token-major views ([B, T, H, D] memory seen as [B, H, T, D]), as
                        // autograd allocates them for the heads of a projection
                        Pair out = packed ? tokenMajor(zeros(dtype, b, t, h, d)) : zeros(dtype, b, h, t, d), lse = zeros(DType.F32, b, h, t);
                        String what = "attention" + (backward ? "Backward " : " ") + dtype + " " + Arrays.toString(size)
                                + (causal ? " causal" : "") + (packed ? " segments" : "");
                        expectedOps().attention(q.expected(), k.expected(), v.expected(), scale, causal, segments.expected(),
                                out.expected(), lse.expected());
                        if (!backward) {
                            actualOps(q).attention(q.actual(), k.actual(), v.actual(), scale, causal, segments.actual(),
                                    out.actual(), lse.actual());
                            assertClose(what + " out", out, fusedTolerance(dtype));
                            assertClose(what + " lse", lse, Tolerance.F32_FUSED);
                            continue;
                        }
                        Pair savedOut = pairOf(out.expected()), savedLse = pairOf(lse.expected());
                        Pair dout = uniform(dtype, new int[] {b, h, t, d}, Variant.TRANSPOSED, seed++, -1, 1);
                        Pair dq = packed ? tokenMajor(zeros(dtype, b, t, h, d)) : zeros(dtype, b, h, t, d);
                        Pair dk = packed ? tokenMajor(zeros(dtype, b, s, hkv, d)) : zeros(dtype, b, hkv, s, d);
                        Pair dv = packed ? tokenMajor(zeros(dtype, b, s, hkv, d)) : zeros(dtype, b, hkv, s, d);
                        expectedOps().attentionBackward(q.expected(), k.expected(), v.expected(), scale, causal, segments.expected(),
                                savedOut.expected(), savedLse.expected(), dout.expected(), dq.expected(), dk.expected(), dv.expected());
                        actualOps(q).attentionBackward(q.actual(), k.actual(), v.actual(), scale, causal, segments.actual(),
                                savedOut.actual(), savedLse.actual(), dout.actual(), dq.actual(), dk.actual(), dv.actual());
                        assertClose(what + " dq", dq, fusedTolerance(dtype));
                        assertClose(what + " dk", dk, fusedTolerance(dtype));
                        assertClose(what + " dv", dv, fusedTolerance(dtype));
                    }
                }
            }
        }
    }

    private static Pair tokenMajor(Pair tokensFirst) { return tokensFirst.map(x -> x.transpose(1, 2)); }

    // ---------------------------------------------------------------- AdamW

    private void adamw() {
        long seed = 2700;
        for (DType dtype : ACTIVATION_TYPES) {
            for (long step : new long[] {1, 10}) {
                int[] shape = {7, 33};
                Pair param = uniform(dtype, shape, Variant.OFFSET, seed++, -1, 1);
                Pair grad = uniform(dtype, shape, Variant.TRANSPOSED, seed++, -0.1, 0.1);
                Pair m = uniform(DType.F32, shape, seed++, -0.05, 0.05);
                Pair v = uniform(DType.F32, shape, seed++, 0, 0.01);
                expectedOps().adamw(param.expected(), grad.expected(), m.expected(), v.expected(), 1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, step);
                actualOps(param).adamw(param.actual(), grad.actual(), m.actual(), v.actual(), 1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, step);
                String what = "adamw " + dtype + " step " + step;
                assertClose(what + " param", param, fusedTolerance(dtype));
                assertClose(what + " m", m, Tolerance.F32_FUSED);
                assertClose(what + " v", v, Tolerance.F32_FUSED);
            }
        }
    }
}
