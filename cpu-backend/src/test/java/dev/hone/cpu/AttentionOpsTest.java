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
 * Tiled attention (forward and backward) against the double-precision reference: grouped-query heads,
 * causal masking with more keys than queries (queries aligned to the end), packed segments, query and
 * key counts that are not multiples of the block and tile sizes, head dimensions that are not multiples
 * of 8 (12, 20) as well as 8, 16, 32 and GPT-2's 64, a transposed (non-contiguous) q, and BF16 inputs.
 * Tolerance: F32 results within 2e-5 of the largest magnitude plus 2e-5 relative (the kit's fused
 * tolerance); BF16 outputs within one BF16 rounding (1e-2).
 */
class AttentionOpsTest extends CpuAgainstReference {

    private void check(DType dtype, int batch, int heads, int kvHeads, int queries, int keys, int d, boolean causal,
                       boolean segmented, boolean transposedQuery, double tolerance) {
        check(dtype, batch, heads, kvHeads, queries, keys, d, causal, segmented, transposedQuery, false, tolerance);
    }

    /** Like the other, and with {@code transposedOutputs} out, dq, dk and dv laid out [B, T, H, D] and seen as [B, H, T, D]. */
    private void check(DType dtype, int batch, int heads, int kvHeads, int queries, int keys, int d, boolean causal,
                       boolean segmented, boolean transposedQuery, boolean transposedOutputs, double tolerance) {
        try (Scope ignored = Scope.open(cpu)) {
            Tensor q = transposedQuery
                    ? uniform(cpu, dtype, 1, -1, 1, batch, queries, heads, d).transpose(1, 2)
                    : uniform(cpu, dtype, 1, -1, 1, batch, heads, queries, d);
            Tensor k = uniform(cpu, dtype, 2, -1, 1, batch, kvHeads, keys, d);
            Tensor v = uniform(cpu, dtype, 3, -1, 1, batch, kvHeads, keys, d);
            Tensor dout = uniform(cpu, dtype, 4, -1, 1, batch, heads, queries, d);
            Tensor segments = null;
            if (segmented) {
                int[] ids = new int[batch * keys];
                for (int i = 0; i < ids.length; i++) ids[i] = (i % keys) * 3 / keys + (i / keys); // three packed examples per row
                segments = Tensor.empty(cpu, DType.I32, Shape.of(batch, keys));
                for (int i = 0; i < ids.length; i++) segments.set(ids[i], i / keys, i % keys);
            }
            float scale = (float) (1 / Math.sqrt(d));
            Tensor out = transposedOutputs
                    ? Tensor.empty(cpu, dtype, Shape.of(batch, queries, heads, d)).transpose(1, 2)
                    : Tensor.empty(cpu, dtype, Shape.of(batch, heads, queries, d));
            Tensor lse = Tensor.empty(cpu, DType.F32, Shape.of(batch, heads, queries));
            cpu.attention(q, k, v, scale, causal, segments, out, lse);

            Tensor rq = copyTo(reference, q), rk = copyTo(reference, k), rv = copyTo(reference, v), rdout = copyTo(reference, dout);
            Tensor rseg = segments == null ? null : copyTo(reference, segments);
            Tensor rout = Tensor.empty(reference, dtype, out.shape()), rlse = Tensor.empty(reference, DType.F32, lse.shape());
            reference.attention(rq, rk, rv, scale, causal, rseg, rout, rlse);
            String what = "attention " + dtype + " B" + batch + " H" + heads + "/" + kvHeads + " T" + queries + " S" + keys
                    + " D" + d + (causal ? " causal" : "") + (segmented ? " segments" : "");
            assertClose(what + " out", rout, out, tolerance, tolerance);
            assertClose(what + " lse", rlse, lse, 2e-5, 2e-5);

            Tensor dq = transposedOutputs
                    ? Tensor.empty(cpu, dtype, Shape.of(batch, queries, heads, d)).transpose(1, 2)
                    : Tensor.empty(cpu, dtype, Shape.of(batch, heads, queries, d));
            Tensor dk = transposedOutputs ? Tensor.empty(cpu, dtype, Shape.of(batch, keys, kvHeads, d)).transpose(1, 2) : Tensor.empty(cpu, dtype, k.shape());
            Tensor dv = transposedOutputs ? Tensor.empty(cpu, dtype, Shape.of(batch, keys, kvHeads, d)).transpose(1, 2) : Tensor.empty(cpu, dtype, v.shape());
            cpu.attentionBackward(q, k, v, scale, causal, segments, out, lse, dout, dq, dk, dv);
            Tensor rdq = Tensor.empty(reference, dtype, dq.shape());
            Tensor rdk = Tensor.empty(reference, dtype, dk.shape()), rdv = Tensor.empty(reference, dtype, dv.shape());
            reference.attentionBackward(rq, rk, rv, scale, causal, rseg, rout, rlse, rdout, rdq, rdk, rdv);
            assertClose(what + " dq", rdq, dq, tolerance, tolerance);
            assertClose(what + " dk", rdk, dk, tolerance, tolerance);
            assertClose(what + " dv", rdv, dv, tolerance, tolerance);
        }
    }

    @Test
    void causalGroupedQueryHeadsAcrossSeveralTiles() {
        check(DType.F32, 2, 4, 2, 70, 70, 16, true, false, false, 2e-5);
    }

    @Test
    void gpt2HeadDimensionWithGroupsOfThreeAcrossBlocksAndKeyTiles() {
        check(DType.F32, 1, 6, 2, 100, 100, 64, true, false, false, 2e-5);
    }

    @Test
    void causalWithMoreKeysThanQueriesAndTransposedQuery() {
        check(DType.F32, 1, 2, 1, 37, 100, 8, true, false, true, 2e-5);
    }

    /** Outputs in [B, T, H, D] memory order (as autograd allocates them for projection heads): whole-vector rows (D 64) and a tail (D 20). */
    @Test
    void outputsLaidOutTokenMajorAsAutogradAllocatesThem() {
        check(DType.F32, 2, 3, 3, 70, 70, 64, true, false, true, true, 2e-5);
        check(DType.F32, 1, 4, 2, 45, 45, 20, true, false, true, true, 2e-5);
        check(DType.BF16, 1, 2, 1, 40, 40, 32, true, false, true, true, 1e-2);
    }

    @Test
    void packedSegmentsBlockAttentionBetweenExamples() {
        check(DType.F32, 2, 2, 2, 90, 90, 12, true, true, false, 2e-5);
    }

    @Test
    void nonCausalWithSegments() {
        check(DType.F32, 1, 3, 1, 33, 33, 20, false, true, false, 2e-5);
    }

    @Test
    void bf16InputsAndOutputs() {
        check(DType.BF16, 1, 2, 1, 40, 40, 32, true, false, false, 1e-2);
    }
}
