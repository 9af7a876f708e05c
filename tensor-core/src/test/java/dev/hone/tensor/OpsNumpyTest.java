package dev.hone.tensor;

import dev.hone.tensor.ops.CompositeFusedOps;
import dev.hone.tensor.reference.ReferenceBackend;
import dev.hone.tensor.spi.FusedOps;
import dev.hone.tensor.spi.RandomKind;
import dev.hone.tensor.spi.RopeStyle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Ops and both FusedOps implementations (the reference's direct loops and the composite of
 * primitives) against values NumPy computed from the published definitions
 * ({@code src/test/resources/fixtures/generate_ops_cases.py}), in F64 on the reference backend.
 */
class OpsNumpyTest {
    private static final double TIGHT = 1e-12;

    private final ReferenceBackend backend = new ReferenceBackend();
    private Scope scope;
    private NumpyFixtures np;

    @BeforeEach
    void open() {
        scope = Scope.open(backend);
        np = new NumpyFixtures("/fixtures/ops_cases.txt");
    }

    @AfterEach
    void close() {
        scope.close();
        backend.close();
    }

    private void assertMatches(String expectedName, Tensor actual, double tolerance) {
        assertEquals(np.shape(expectedName), actual.shape(), expectedName + " shape");
        assertArrayEquals(np.values(expectedName), actual.toDoubleArray(), tolerance, expectedName);
    }

    private Tensor t(String name) { return np.tensor(name); }

    @Test
    void broadcastingElementwise() {
        Tensor a = t("bcast.a"), b = t("bcast.b");
        assertMatches("bcast.add", Ops.add(a, b), TIGHT);
        assertMatches("bcast.sub", Ops.sub(a, b), TIGHT);
        assertMatches("bcast.mul", Ops.mul(a, b), TIGHT);
        assertMatches("bcast.bplus2", Ops.add(b, 2.0), TIGHT);
        assertMatches("bcast.div", Ops.div(a, Ops.add(b, 2.0)), TIGHT);
        assertMatches("bcast.max", Ops.maximum(a, b), TIGHT);
        assertMatches("bcast.min", Ops.minimum(a, b), TIGHT);
        assertMatches("pow.out", Ops.pow(t("pow.a"), t("pow.b")), TIGHT);
        assertMatches("unary.gelu", Ops.gelu(t("unary.x")), TIGHT);
        assertMatches("unary.silu", Ops.silu(t("unary.x")), TIGHT);
    }

    @Test
    void reductionsKeepOrDropAxes() {
        Tensor x = t("reduce.x");
        assertMatches("reduce.sum_1", Ops.sum(x, true, 1), TIGHT);
        assertMatches("reduce.mean_02", Ops.mean(x, true, 0, -1), TIGHT);
        assertMatches("reduce.max_2", Ops.max(x, true, 2), TIGHT);
        assertMatches("reduce.min_all", Ops.min(x, true), TIGHT);
        assertEquals(Shape.scalar(), Ops.sum(x, false).shape());
        assertEquals(Shape.of(2, 4), Ops.sum(x, false, 1).shape());
        Tensor argmax = Ops.argmax(x, 1, false);
        assertEquals(DType.I64, argmax.dtype());
        assertMatches("reduce.argmax_1", argmax, 0);
    }

    @Test
    void batchedBroadcastMatmul() {
        assertMatches("matmul.out", Ops.matmul(t("matmul.a"), t("matmul.b")), TIGHT);
        // the same product with b stored transposed
        Tensor bT = t("matmul.b").transpose(1, 2).contiguous().transpose(1, 2);
        assertMatches("matmul.out", Ops.matmul(t("matmul.a"), bT), TIGHT);
    }

    @Test
    void gatherScatterAndEmbeddingRows() {
        Tensor x = t("gather.x");
        assertMatches("gather.out0", Ops.gather(x, 0, t("gather.index0")), 0);
        assertMatches("gather.out1", Ops.gather(x, 1, Ops.cast(t("gather.index1"), DType.I32)), 0);
        Tensor acc = Tensor.zeros(DType.F64, 4, 3);
        Ops.scatterAdd(acc, 0, t("gather.index0"), t("scatter.src"));
        assertMatches("scatter.out0", acc, TIGHT);
        assertMatches("embed.rows", Ops.indexSelect(t("embed.table"), t("embed.ids")), 0);
        Tensor dtable = Tensor.zeros(DType.F64, 6, 4);
        Ops.indexAdd(dtable, t("embed.ids"), t("embed.grads"));
        assertMatches("embed.dtable", dtable, TIGHT);
    }

    @Test
    void counterRandomMatchesIndependentSplitMix64() {
        assertMatches("random.uniform", Ops.random(RandomKind.UNIFORM, 42, -2, 2, DType.F64, 6), TIGHT);
        assertMatches("random.normal", Ops.random(RandomKind.NORMAL, 42, 1, 3, DType.F64, 6), 1e-12);
        assertMatches("random.bernoulli", Ops.random(RandomKind.BERNOULLI, 42, 0.25, 0, DType.F64, 6), 0);
    }

    enum Implementation {
        REFERENCE_LOOPS, COMPOSITE;

        FusedOps ops(ReferenceBackend backend) { return this == REFERENCE_LOOPS ? backend : new CompositeFusedOps(); }
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void softmaxAndCrossEntropy(Implementation implementation) {
        FusedOps ops = implementation.ops(backend);
        Tensor logits = t("softmax.x");
        Tensor y = logits.emptyLike();
        ops.softmax(logits, y);
        assertMatches("softmax.y", y, TIGHT);
        ops.logSoftmax(logits, y);
        assertMatches("logsoftmax.y", y, TIGHT);
        for (DType targetType : List.of(DType.I32, DType.I64)) {
            Tensor loss = Tensor.empty(DType.F64, 4), lse = Tensor.empty(DType.F64, 4);
            ops.crossEntropy(logits, Ops.cast(t("ce.targets"), targetType), -100, loss, lse);
            assertMatches("ce.loss", loss, TIGHT);
            assertMatches("ce.lse", lse, TIGHT);
        }
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void rmsNormAndRope(Implementation implementation) {
        FusedOps ops = implementation.ops(backend);
        Tensor x = t("rms.x");
        Tensor y = x.emptyLike(), rstd = Tensor.empty(DType.F64, 3);
        ops.rmsNorm(x, t("rms.w"), 1e-5f, y, rstd);
        assertMatches("rms.y", y, 1e-9);
        assertMatches("rms.rstd", rstd, 1e-9);

        Tensor rx = t("rope.x"), positions = Ops.cast(t("rope.pos"), DType.I32);
        Tensor cos = t("rope.cos"), sin = t("rope.sin");
        Tensor half = rx.emptyLike(), interleaved = rx.emptyLike(), back = rx.emptyLike();
        ops.rope(rx, cos, sin, positions, RopeStyle.HALF, false, half);
        assertMatches("rope.half", half, TIGHT);
        ops.rope(rx, cos, sin, positions, RopeStyle.INTERLEAVED, false, interleaved);
        assertMatches("rope.interleaved", interleaved, TIGHT);
        ops.rope(interleaved, cos, sin, positions, RopeStyle.INTERLEAVED, true, back);
        assertMatches("rope.x", back, TIGHT);
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void groupedQueryCausalPackedAttention(Implementation implementation) {
        FusedOps ops = implementation.ops(backend);
        Tensor q = t("attn.q"), k = t("attn.k"), v = t("attn.v");
        Tensor segments = Ops.cast(t("attn.segments"), DType.I32);
        Tensor out = q.emptyLike(), lse = Tensor.empty(DType.F64, 1, 4, 3);
        ops.attention(q, k, v, 0.5f, true, segments, out, lse);
        assertMatches("attn.out", out, TIGHT);
        assertMatches("attn.lse", lse, TIGHT);
    }

    @ParameterizedTest
    @EnumSource(Implementation.class)
    void adamwFollowsTorchAlgorithm(Implementation implementation) {
        FusedOps ops = implementation.ops(backend);
        Tensor p = t("adamw.p"), m = t("adamw.m"), v = t("adamw.v");
        ops.adamw(p, t("adamw.g"), m, v, 1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, 3);
        assertMatches("adamw.p_out", p, TIGHT);
        assertMatches("adamw.m_out", m, TIGHT);
        assertMatches("adamw.v_out", v, TIGHT);
    }
}
