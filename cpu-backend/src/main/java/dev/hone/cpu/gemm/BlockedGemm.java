package dev.hone.cpu.gemm;

import java.util.List;

import static dev.hone.cpu.gemm.MicroKernel.MR;
import static dev.hone.cpu.gemm.MicroKernel.NR;

/**
 * The cache-blocked loop nest of one GEMM task (Goto's algorithm with loops jc, pc, ic, ir, jr): a
 * {@code kc x nc} block of B is packed into NR-wide panels that stay in L2, an {@code mc x kc} block of
 * A into MR-wide panels, and the micro-kernel multiplies one A panel (kept in L1 across the jr loop)
 * by each B panel (streamed from L2). The inner loop walks C along its rows, so tile writes stay on
 * few pages and prefetch well; walking down columns of a large C instead cost ~30% in TLB and cache
 * misses. Each task owns a rectangle of C and its own {@link Scratch}, so tasks never share writable
 * memory.
 *
 * <p>A sum of products (C = alpha1·A1·B1 + alpha2·A2·B2 + beta·C, a LoRA layer's base and adapter
 * products) runs as one product over the terms' concatenated depth: [alpha1·A1 | alpha2·A2] · [B1; B2].
 * A depth block that straddles two terms packs each part from its own operands into consecutive depth
 * indices of the same panels, so C is merged once per depth block exactly as for one product, and a
 * small second depth (k2 = 16) is appended to the last block ({@link #APPENDED_DEPTH}): no extra pass over C.
 */
final class BlockedGemm {
    /**
     * Depth block: an MR x KC A panel (12 KiB) and one KC x NR B panel (32 KiB) fit in L1 together. With
     * the 12 x 32 tile, KC = 384 or 512 (NC cut to keep the B block at ~1 MiB) measured 0-7% slower. The
     * kernel loop stays long enough for reliable JIT compilation: GemmCliffCheck found no slow JVM at this
     * setting, and the cliff a peer's tiled kernel hit was at kc = 128.
     */
    static final int KC = 256;
    /**
     * A last term at most this deep (a LoRA rank) is appended to the previous term's last depth block
     * instead of being blocked with it, so it adds no depth block (no pass over C): with k1 = 768,
     * k2 = 16, three blocks of 256, the last 272 deep, rather than four of 196.
     */
    static final int APPENDED_DEPTH = 64;
    /** Rows of A packed at once. */
    static final int MC = 256;
    /** Columns of B packed at once: KC x NC floats (1 MiB) stay in L2 across the ir loop. */
    static final int NC = 1024;

    /** C = alpha * A·B + beta * C with A [m x k], B [k x n], C [m x n] (F32); all views. */
    record Problem(int m, int n, int k, float alpha, MatrixView a, MatrixView b, float beta, MatrixView c) {
        /** The product as the single term of a sum. */
        List<Term> terms() { return List.of(new Term(k, alpha, a, b)); }
    }

    /** One product alpha * A·B of a sum: A [m x k], B [k x n] (views). */
    record Term(int k, float alpha, MatrixView a, MatrixView b) { }

    /** Which operand of the terms a packing call reads. */
    private enum Operand { A, B }

    /** Per-task packing buffers, grown on demand and reused across calls. */
    static final class Scratch {
        float[] packedA = new float[0];
        float[] packedB = new float[0];
        final float[] tile = new float[MR * NR];
        final PanelPacker packer = new PanelPacker();
        /** The few A rows of a {@link SmallRowsGemm} product, and one block of its results. */
        float[] smallRows = new float[0];
        final float[] rowResults = new float[SmallRowsGemm.BLOCK];

        void ensure(int aFloats, int bFloats) {
            if (packedA.length < aFloats) packedA = new float[aFloats];
            if (packedB.length < bFloats) packedB = new float[bFloats];
        }
    }

    private BlockedGemm() { }

    /** Computes rows [i0, i1) x columns [j0, j1) of C. */
    static void run(Problem p, int i0, int i1, int j0, int j1, Scratch s) {
        run(p.terms(), p.beta(), p.c(), i0, i1, j0, j1, s);
    }

    /** Rows [i0, i1) x columns [j0, j1) of C = (sum of the terms) + beta * C. */
    static void run(List<Term> terms, float beta, MatrixView c, int i0, int i1, int j0, int j1, Scratch s) {
        int depth = 0;
        for (int i = 0; i < terms.size(); i++) depth += terms.get(i).k();
        int tail = terms.getLast().k() <= APPENDED_DEPTH ? terms.getLast().k() : 0;
        int kc = evenBlock(depth - tail, KC, 1);
        int mc = evenBlock(i1 - i0, MC, MR);
        int nc = evenBlock(j1 - j0, NC, NR);
        s.ensure(roundUp(mc, MR) * (kc + tail), (kc + tail) * roundUp(nc, NR));
        TileWriter.Merge first = TileWriter.Merge.first(beta);
        for (int jc = j0; jc < j1; jc += nc) {
            int ncNow = Math.min(nc, j1 - jc);
            for (int pc = 0, kcNow; pc < depth; pc += kcNow) {
                kcNow = pc + kc >= depth - tail ? depth - pc : kc;
                packDepthBlock(terms, Operand.B, jc, ncNow, pc, kcNow, NR, s.packer, s.packedB);
                TileWriter.Merge merge = pc == 0 ? first : TileWriter.Merge.ACCUMULATE;
                for (int ic = i0; ic < i1; ic += mc) {
                    int mcNow = Math.min(mc, i1 - ic);
                    packDepthBlock(terms, Operand.A, ic, mcNow, pc, kcNow, MR, s.packer, s.packedA);
                    multiplyBlock(c, beta, s, ic, mcNow, jc, ncNow, kcNow, merge);
                }
            }
        }
    }

    /**
     * Packs depth indices [pc, pc + kcNow) of the terms' concatenated depth into panels of {@code width}
     * rows (A rows, or B columns) starting at r0, each panel kcNow deep; alpha is folded into A.
     */
    private static void packDepthBlock(List<Term> terms, Operand operand, long r0, int rows, int pc, int kcNow,
                                       int width, PanelPacker packer, float[] dest) {
        int termStart = 0;
        for (int i = 0; i < terms.size(); i++) {
            Term t = terms.get(i);
            int lo = Math.max(pc, termStart), hi = Math.min(pc + kcNow, termStart + t.k());
            if (lo < hi) {
                MatrixView src = operand == Operand.A ? t.a() : t.b().transposed();
                float scale = operand == Operand.A ? t.alpha() : 1f;
                packer.packPanels(src, r0, rows, lo - termStart, hi - lo, width, scale, dest, (lo - pc) * width,
                        kcNow * width);
            }
            termStart += t.k();
        }
    }

    /** The ir and jr loops over packed panels of one (mc x kc) · (kc x nc) block product. */
    private static void multiplyBlock(MatrixView c, float beta, Scratch s, int ic, int mcNow, int jc, int ncNow,
                                      int kcNow, TileWriter.Merge merge) {
        for (int ip = 0; ip < mcNow; ip += MR) {
            int rows = Math.min(MR, mcNow - ip);
            for (int jp = 0; jp < ncNow; jp += NR) {
                MicroKernel.multiply(s.packedA, ip * kcNow, s.packedB, jp * kcNow, kcNow, s.tile);
                TileWriter.write(s.tile, rows, Math.min(NR, ncNow - jp), c, ic + ip, jc + jp, merge, beta);
            }
        }
    }

    /** Splits {@code extent} into equal blocks of at most {@code max}, each a multiple of {@code unit}. */
    static int evenBlock(int extent, int max, int unit) {
        if (extent <= 0) return unit;
        int blocks = (extent + max - 1) / max;
        return Math.min(roundUp(max, unit), roundUp((extent + blocks - 1) / blocks, unit));
    }

    static int roundUp(int x, int unit) { return (x + unit - 1) / unit * unit; }
}
