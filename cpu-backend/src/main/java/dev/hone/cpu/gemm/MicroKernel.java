package dev.hone.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernel of the packed GEMM (Goto and van de Geijn, "Anatomy of
 * High-Performance Matrix Multiplication", 2008): an {@link #MR} x {@link #NR} tile of C (12 rows x two
 * vectors, the shape of BLIS's 32 x 12 SkylakeX sgemm kernel seen from the other side) held in 24 of the
 * 32 AVX-512 registers, updated by one rank-1 FMA step per depth index: 2 vector loads, 12 broadcasts,
 * 24 FMAs (two steps per loop iteration, see {@link #multiply}). Measured against the former 8 x 32 tile (16 accumulators, 8 broadcasts per 16 FMAs) with B
 * streamed from L2: ~180 vs ~140-155 GFLOP/s on one core; 8 x 48 (3 vectors) measured slower than
 * both, 14 x 32 (31 registers) no better than 12 x 32.
 *
 * <p>Packed layouts (built by {@link PanelPacker}): the broadcast panel holds, for each depth q,
 * {@link #MR} consecutive floats (rows of the tile); the vector panel holds, for each q, {@link #NR}
 * consecutive floats (columns). Padding rows/columns are zero, so the kernel always computes the full
 * tile. The kernel writes the tile row-major into {@code tile} ({@code MR * NR} floats) and never touches
 * C: merging into C (masks, strides, beta) is {@link TileWriter}'s job, which keeps this method small —
 * large Vector API methods risk a failed C2 inline under tiered compilation, where every vector op
 * allocates and the kernel runs ~80x slower.
 */
final class MicroKernel {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector register (16 with AVX-512). */
    static final int LANES = SPECIES.length();
    /** Tile rows: broadcast operand width. */
    static final int MR = 12;
    /** Tile columns: two vectors. */
    static final int NR = 2 * LANES;

    private MicroKernel() { }

    /**
     * tile[r * NR + c] = sum over q < depth of bcast[bcastAt + q * MR + r] * vec[vecAt + q * NR + c], in
     * increasing q. The depth loop is unrolled by hand, two rank-1 steps per iteration (the same step
     * written twice, then once more for an odd last index): half the loop's index and branch work, which
     * shares ports with the FMAs. Measured against one step per iteration, alternating fresh JVMs, 2
     * threads: square 1024 +4-11%, square 2048 +1-7%, [2048x768]·[768x3072] +5-13%, Xᵀ·dY +6-14%, one
     * thread +9-20%; GemmCliffCheck: 0 of 16 fresh JVMs slow. Four steps per iteration measured half as fast
     * (all GEMM shapes above).
     */
    static void multiply(float[] bcast, int bcastAt, float[] vec, int vecAt, int depth, float[] tile) {
        FloatVector c0a = FloatVector.zero(SPECIES), c0b = c0a, c1a = c0a, c1b = c0a, c2a = c0a, c2b = c0a,
                c3a = c0a, c3b = c0a, c4a = c0a, c4b = c0a, c5a = c0a, c5b = c0a, c6a = c0a, c6b = c0a,
                c7a = c0a, c7b = c0a, c8a = c0a, c8b = c0a, c9a = c0a, c9b = c0a, c10a = c0a, c10b = c0a,
                c11a = c0a, c11b = c0a;
        int q = 0;
        for (; q + 1 < depth; q += 2) {
            {
                int v = vecAt + q * NR, b = bcastAt + q * MR;
                FloatVector v0 = FloatVector.fromArray(SPECIES, vec, v), v1 = FloatVector.fromArray(SPECIES, vec, v + LANES);
                FloatVector x = FloatVector.broadcast(SPECIES, bcast[b]);
                c0a = x.fma(v0, c0a); c0b = x.fma(v1, c0b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 1]);
                c1a = x.fma(v0, c1a); c1b = x.fma(v1, c1b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 2]);
                c2a = x.fma(v0, c2a); c2b = x.fma(v1, c2b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 3]);
                c3a = x.fma(v0, c3a); c3b = x.fma(v1, c3b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 4]);
                c4a = x.fma(v0, c4a); c4b = x.fma(v1, c4b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 5]);
                c5a = x.fma(v0, c5a); c5b = x.fma(v1, c5b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 6]);
                c6a = x.fma(v0, c6a); c6b = x.fma(v1, c6b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 7]);
                c7a = x.fma(v0, c7a); c7b = x.fma(v1, c7b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 8]);
                c8a = x.fma(v0, c8a); c8b = x.fma(v1, c8b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 9]);
                c9a = x.fma(v0, c9a); c9b = x.fma(v1, c9b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 10]);
                c10a = x.fma(v0, c10a); c10b = x.fma(v1, c10b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 11]);
                c11a = x.fma(v0, c11a); c11b = x.fma(v1, c11b);
            }
            {
                int v = vecAt + (q + 1) * NR, b = bcastAt + (q + 1) * MR;
                FloatVector v0 = FloatVector.fromArray(SPECIES, vec, v), v1 = FloatVector.fromArray(SPECIES, vec, v + LANES);
                FloatVector x = FloatVector.broadcast(SPECIES, bcast[b]);
                c0a = x.fma(v0, c0a); c0b = x.fma(v1, c0b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 1]);
                c1a = x.fma(v0, c1a); c1b = x.fma(v1, c1b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 2]);
                c2a = x.fma(v0, c2a); c2b = x.fma(v1, c2b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 3]);
                c3a = x.fma(v0, c3a); c3b = x.fma(v1, c3b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 4]);
                c4a = x.fma(v0, c4a); c4b = x.fma(v1, c4b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 5]);
                c5a = x.fma(v0, c5a); c5b = x.fma(v1, c5b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 6]);
                c6a = x.fma(v0, c6a); c6b = x.fma(v1, c6b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 7]);
                c7a = x.fma(v0, c7a); c7b = x.fma(v1, c7b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 8]);
                c8a = x.fma(v0, c8a); c8b = x.fma(v1, c8b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 9]);
                c9a = x.fma(v0, c9a); c9b = x.fma(v1, c9b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 10]);
                c10a = x.fma(v0, c10a); c10b = x.fma(v1, c10b);
                x = FloatVector.broadcast(SPECIES, bcast[b + 11]);
                c11a = x.fma(v0, c11a); c11b = x.fma(v1, c11b);
            }
        }
        if (q < depth) {
            int v = vecAt + q * NR, b = bcastAt + q * MR;
            FloatVector v0 = FloatVector.fromArray(SPECIES, vec, v), v1 = FloatVector.fromArray(SPECIES, vec, v + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, bcast[b]);
            c0a = x.fma(v0, c0a); c0b = x.fma(v1, c0b);
            x = FloatVector.broadcast(SPECIES, bcast[b + 1]);
            c1a = x.fma(v0, c1a); c1b = x.fma(v1, c1b);
            x = FloatVector.broadcast(SPECIES, bcast[b + 2]);
            c2a = x.fma(v0, c2a); c2b = x.fma(v1, c2b);
            x = FloatVector.broadcast(SPECIES, bcast[b + 3]);
            c3a = x.fma(v0, c3a); c3b = x.fma(v1, c3b);
            x = FloatVector.broadcast(SPECIES, bcast[b + 4]);
            c4a = x.fma(v0, c4a); c4b = x.fma(v1, c4b);
            x = FloatVector.broadcast(SPECIES, bcast[b + 5]);
            c5a = x.fma(v0, c5a); c5b = x.fma(v1, c5b);
            x = FloatVector.broadcast(SPECIES, bcast[b + 6]);
            c6a = x.fma(v0, c6a); c6b = x.fma(v1, c6b);
            x = FloatVector.broadcast(SPECIES, bcast[b + 7]);
            c7a = x.fma(v0, c7a); c7b = x.fma(v1, c7b);
            x = FloatVector.broadcast(SPECIES, bcast[b + 8]);
            c8a = x.fma(v0, c8a); c8b = x.fma(v1, c8b);
            x = FloatVector.broadcast(SPECIES, bcast[b + 9]);
            c9a = x.fma(v0, c9a); c9b = x.fma(v1, c9b);
            x = FloatVector.broadcast(SPECIES, bcast[b + 10]);
            c10a = x.fma(v0, c10a); c10b = x.fma(v1, c10b);
            x = FloatVector.broadcast(SPECIES, bcast[b + 11]);
            c11a = x.fma(v0, c11a); c11b = x.fma(v1, c11b);
        }
        c0a.intoArray(tile, 0); c0b.intoArray(tile, LANES);
        c1a.intoArray(tile, NR); c1b.intoArray(tile, NR + LANES);
        c2a.intoArray(tile, 2 * NR); c2b.intoArray(tile, 2 * NR + LANES);
        c3a.intoArray(tile, 3 * NR); c3b.intoArray(tile, 3 * NR + LANES);
        c4a.intoArray(tile, 4 * NR); c4b.intoArray(tile, 4 * NR + LANES);
        c5a.intoArray(tile, 5 * NR); c5b.intoArray(tile, 5 * NR + LANES);
        c6a.intoArray(tile, 6 * NR); c6b.intoArray(tile, 6 * NR + LANES);
        c7a.intoArray(tile, 7 * NR); c7b.intoArray(tile, 7 * NR + LANES);
        c8a.intoArray(tile, 8 * NR); c8b.intoArray(tile, 8 * NR + LANES);
        c9a.intoArray(tile, 9 * NR); c9b.intoArray(tile, 9 * NR + LANES);
        c10a.intoArray(tile, 10 * NR); c10b.intoArray(tile, 10 * NR + LANES);
        c11a.intoArray(tile, 11 * NR); c11b.intoArray(tile, 11 * NR + LANES);
    }
}
