package dev.hone.cpu.gemm;

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
 */
final class BlockedGemm {
    /**
     * Depth block: an MR x KC A panel (8 KiB) and one KC x NR B panel (32 KiB) fit in L1 together
     * (measured 0-10% faster than KC = 512 on 48 KiB L1d, most for transposed A). The kernel loop stays
     * long enough for reliable JIT compilation: GemmCliffCheck found no slow JVM at this setting, and
     * the cliff a peer's tiled kernel hit was at kc = 128.
     */
    static final int KC = 256;
    /** Rows of A packed at once. */
    static final int MC = 256;
    /** Columns of B packed at once: KC x NC floats (1 MiB) stay in L2 across the ir loop. */
    static final int NC = 1024;

    /** C = alpha * A·B + beta * C with A [m x k], B [k x n], C [m x n] (F32); all views. */
    record Problem(int m, int n, int k, float alpha, MatrixView a, MatrixView b, float beta, MatrixView c) { }

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
        int kc = evenBlock(p.k(), KC, 1);
        int mc = evenBlock(i1 - i0, MC, MR);
        int nc = evenBlock(j1 - j0, NC, NR);
        s.ensure(roundUp(mc, MR) * kc, kc * roundUp(nc, NR));
        MatrixView bPanels = p.b().transposed();
        TileWriter.Merge first = TileWriter.Merge.first(p.beta());
        for (int jc = j0; jc < j1; jc += nc) {
            int ncNow = Math.min(nc, j1 - jc);
            for (int pc = 0; pc < p.k(); pc += kc) {
                int kcNow = Math.min(kc, p.k() - pc);
                for (int jp = 0; jp < ncNow; jp += NR) {
                    s.packer.pack(bPanels, jc + jp, Math.min(NR, ncNow - jp), pc, kcNow, NR, 1f,
                            s.packedB, jp * kcNow);
                }
                TileWriter.Merge merge = pc == 0 ? first : TileWriter.Merge.ACCUMULATE;
                for (int ic = i0; ic < i1; ic += mc) {
                    int mcNow = Math.min(mc, i1 - ic);
                    for (int ip = 0; ip < mcNow; ip += MR) {
                        s.packer.pack(p.a(), ic + ip, Math.min(MR, mcNow - ip), pc, kcNow, MR, p.alpha(),
                                s.packedA, ip * kcNow);
                    }
                    multiplyBlock(p, s, ic, mcNow, jc, ncNow, kcNow, merge);
                }
            }
        }
    }

    /** The ir and jr loops over packed panels of one (mc x kc) · (kc x nc) block product. */
    private static void multiplyBlock(Problem p, Scratch s, int ic, int mcNow, int jc, int ncNow, int kcNow,
                                      TileWriter.Merge merge) {
        for (int ip = 0; ip < mcNow; ip += MR) {
            int rows = Math.min(MR, mcNow - ip);
            for (int jp = 0; jp < ncNow; jp += NR) {
                MicroKernel.multiply(s.packedA, ip * kcNow, s.packedB, jp * kcNow, kcNow, s.tile);
                TileWriter.write(s.tile, rows, Math.min(NR, ncNow - jp), p.c(), ic + ip, jc + jp, merge, p.beta());
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
