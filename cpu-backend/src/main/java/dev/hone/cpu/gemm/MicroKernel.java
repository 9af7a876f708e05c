package dev.hone.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernel of the packed GEMM (Goto and van de Geijn, "Anatomy of
 * High-Performance Matrix Multiplication", 2008): an {@link #MR} x {@link #NR} tile of C held in 16
 * vector registers, updated by one rank-1 FMA step per depth index.
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
    static final int MR = 8;
    /** Tile columns: two vectors. */
    static final int NR = 2 * LANES;

    private MicroKernel() { }

    /**
     * tile[r * NR + c] = sum over q < depth of bcast[bcastAt + q * MR + r] * vec[vecAt + q * NR + c].
     */
    static void multiply(float[] bcast, int bcastAt, float[] vec, int vecAt, int depth, float[] tile) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00,
                c70 = c00, c71 = c00;
        for (int q = 0; q < depth; q++) {
            int v = vecAt + q * NR, b = bcastAt + q * MR;
            FloatVector v0 = FloatVector.fromArray(SPECIES, vec, v);
            FloatVector v1 = FloatVector.fromArray(SPECIES, vec, v + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, bcast[b]);
            c00 = x.fma(v0, c00); c01 = x.fma(v1, c01);
            x = FloatVector.broadcast(SPECIES, bcast[b + 1]);
            c10 = x.fma(v0, c10); c11 = x.fma(v1, c11);
            x = FloatVector.broadcast(SPECIES, bcast[b + 2]);
            c20 = x.fma(v0, c20); c21 = x.fma(v1, c21);
            x = FloatVector.broadcast(SPECIES, bcast[b + 3]);
            c30 = x.fma(v0, c30); c31 = x.fma(v1, c31);
            x = FloatVector.broadcast(SPECIES, bcast[b + 4]);
            c40 = x.fma(v0, c40); c41 = x.fma(v1, c41);
            x = FloatVector.broadcast(SPECIES, bcast[b + 5]);
            c50 = x.fma(v0, c50); c51 = x.fma(v1, c51);
            x = FloatVector.broadcast(SPECIES, bcast[b + 6]);
            c60 = x.fma(v0, c60); c61 = x.fma(v1, c61);
            x = FloatVector.broadcast(SPECIES, bcast[b + 7]);
            c70 = x.fma(v0, c70); c71 = x.fma(v1, c71);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, LANES);
        c10.intoArray(tile, NR); c11.intoArray(tile, NR + LANES);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + LANES);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + LANES);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + LANES);
        c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + LANES);
        c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + LANES);
    }
}
