package dev.hone.cpu.quant;

import dev.hone.cpu.kernels.LaneSum;
import dev.hone.tensor.Elements;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The fused forward product for a few activation rows (decoding: y[M, N] = x[M, K] · dequant(W)ᵀ with
 * M small), in the style of llama.cpp's quantized dot products: each load reads a chunk of 4L packed
 * bytes (8L weights, L = float lanes; 64 bytes = 128 weights with AVX-512) as L little-endian ints, and
 * nibble position p of every int lane ({@code (ints >>> 4p) & 0xf}, p = 0..7) gives L codes at stride 8,
 * turned into weights by one table permute ({@link #weights}). Int lane i holds bytes 4i..4i+3 of the chunk; byte j's low nibble is element
 * 2j+1 and its high nibble element 2j (bitsandbytes' order), so position p holds chunk element
 * 8i + (p ^ 1). The activations are reordered once per call into exactly that order
 * ({@link #reorder}), so every decoded vector meets its activations with one plain load.
 *
 * <p>The absmax is applied once per chunk and lane, not per weight: a chunk's lanes belong to block
 * (8i)/blocksize of the chunk (two blocks per 128-weight chunk at blocksize 64), so the per-lane scale
 * vector is a broadcast of the chunk's first block's absmax, blended with the next blocks' (or just the
 * broadcast when a block spans whole chunks). Rounding order, fixed for a given K and L and independent of threads: per chunk and
 * lane, table[code]·x summed over the even nibble positions and over the odd ones (two independent
 * chains, each in increasing p, the first term a multiply), the two added, multiplied by the lane's
 * absmax and added into the row's running sum with one FMA, chunk by chunk; the lanes are then added in
 * {@link LaneSum}'s tree order ({@link #laneSum}), and the last K mod 8L elements (when K is not a multiple of 8L; activations
 * kept in natural order after the chunks) are added one by one as table[code]·absmax·x. This differs
 * from dequantize-then-multiply (which rounds each weight table[code]·absmax first) by normal float32
 * rounding. Needs 256- or 512-bit vectors ({@link #supported()}); one instance per code table, immutable
 * and shareable across threads.
 */
final class WideNibbleGemv {
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    static final int LANES = FLOATS.length();
    /** Weights per wide load: L int lanes of four bytes, two codes per byte. */
    static final int CHUNK = 8 * LANES;
    private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, FLOATS.vectorShape());
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, FLOATS.vectorShape());
    /** Nibble positions per int lane. */
    private static final int POSITIONS = 8;

    /** Table entries as int bits: with 16 lanes tableA holds the whole table, with 8 lanes tableA / tableB hold entries 0..7 / 8..15. */
    private final IntVector tableA;
    private final IntVector tableB;
    /** log2(blocksize). */
    private final int blockShift;
    /** Blocks one chunk touches (1 when a block spans one or more whole chunks). */
    private final int blocksPerChunk;
    /** halvings[l]: lane i takes lane (i + h) mod L for h = L/2, L/4, ..., 1 ({@link #laneSum}). */
    private final VectorShuffle<Float>[] halvings;
    /** blockLanes[j]: the lanes i in the chunk's j-th block, (8i)/blocksize == j (j < blocksPerChunk). */
    private final VectorMask<Float>[] blockLanes;

    /** A kernel for weights with this code table (16 values) and blocksize. */
    WideNibbleGemv(float[] table, int blocksize) {
        int[] bits = new int[2 * LANES];
        for (int i = 0; i < 2 * LANES; i++) bits[i] = Float.floatToRawIntBits(table[i % 16]);
        this.tableA = IntVector.fromArray(INTS, bits, 0);
        this.tableB = IntVector.fromArray(INTS, bits, LANES);
        this.blockShift = Integer.numberOfTrailingZeros(blocksize);
        this.blocksPerChunk = Math.max(1, CHUNK / blocksize);
        if (blocksPerChunk > 4) throw new IllegalArgumentException("WideNibbleGemv: blocksize " + blocksize + " below " + CHUNK / 4);
        @SuppressWarnings("unchecked")
        VectorMask<Float>[] lanes = new VectorMask[blocksPerChunk];
        for (int j = 0; j < blocksPerChunk; j++) {
            boolean[] inBlock = new boolean[LANES];
            for (int i = 0; i < LANES; i++) inBlock[i] = 8 * i / blocksize == j;
            lanes[j] = VectorMask.fromArray(FLOATS, inBlock, 0);
        }
        this.blockLanes = lanes;
        @SuppressWarnings("unchecked")
        VectorShuffle<Float>[] levels = new VectorShuffle[Integer.numberOfTrailingZeros(LANES)];
        for (int l = 0; l < levels.length; l++) {
            int h = LANES >> (l + 1);
            levels[l] = VectorShuffle.fromOp(FLOATS, i -> (i + h) % LANES);
        }
        this.halvings = levels;
    }

    /** Whether the vector path is available (it needs 8 or 16 float lanes). */
    static boolean supported() { return LANES == 8 || LANES == 16; }

    /**
     * One activation row of K values from natural order into the kernel's order: chunk c, position p,
     * lane i holds x[c*8L + 8i + (p ^ 1)] at c*8L + p*L + i; the last K mod 8L values stay in place.
     */
    static void reorder(float[] src, int srcPos, float[] dst, int dstPos, int k) {
        int whole = k - k % CHUNK;
        for (int c = 0; c < whole; c += CHUNK) {
            for (int p = 0; p < POSITIONS; p++) {
                for (int i = 0; i < LANES; i++) dst[dstPos + c + p * LANES + i] = src[srcPos + c + 8 * i + (p ^ 1)];
            }
        }
        System.arraycopy(src, srcPos + whole, dst, dstPos + whole, k - whole);
    }

    /**
     * y[n] of one activation row: sum_k xs[xBase + k'] * W[n, k] with xs in {@link #reorder}ed order. The chunk
     * loop takes two chunks per iteration (same additions in the same order): half its index and bounds-check
     * work, which shares ports with the decode. [1x4096]·[4096x4096]ᵀ: 0.95 -> 0.69 ms on 2 threads
     * (FourBitGemvTiming), 0.66 -> 0.58 ms warm and 1.14 -> 0.98 ms cold in Nf4MatmulBenchmark.
     */
    float dotRow(FourBitWeight w, int n, float[] xs, int xBase) {
        int k = w.cols();
        int whole = k - k % CHUNK;
        long rowByte = (long) n * k / 2;
        int rowBlock = n * w.blocksPerRow();
        FloatVector total = FloatVector.zero(FLOATS);
        int c = 0;
        for (; c + CHUNK < whole; c += 2 * CHUNK) {
            IntVector codes = loadChunk(w.packed(), rowByte + c / 2);
            total = chunkSum(codes, xs, xBase + c).fma(scale(w.absmax(), rowBlock + (c >>> blockShift)), total);
            int c2 = c + CHUNK;
            IntVector codes2 = loadChunk(w.packed(), rowByte + c2 / 2);
            total = chunkSum(codes2, xs, xBase + c2).fma(scale(w.absmax(), rowBlock + (c2 >>> blockShift)), total);
        }
        for (; c < whole; c += CHUNK) {
            IntVector codes = loadChunk(w.packed(), rowByte + c / 2);
            total = chunkSum(codes, xs, xBase + c).fma(scale(w.absmax(), rowBlock + (c >>> blockShift)), total);
        }
        return laneSum(total) + tail(w, n, whole, xs, xBase);
    }

    /**
     * The sum of v's lanes in {@link LaneSum}'s order (lane i += lane i + h for h = L/2, ..., 1), bit for
     * bit, kept in registers: one rotate and one add per level instead of a store and L - 1 scalar adds,
     * about 7% of a 4096-weight row. Lanes at and above h hold sums nothing reads.
     */
    float laneSum(FloatVector v) {
        for (VectorShuffle<Float> down : halvings) v = v.add(v.rearrange(down));
        return v.lane(0);
    }

    /**
     * Per lane, sum_p table[code_p]·x_p of one chunk, as two chains (even and odd p, each starting from
     * zero: fma(w, x, 0) rounds as w·x) added at the end. A loop rather than hand-unrolled: C2 unrolls it
     * after parsing, while a hand-unrolled body parses into so many nodes that the caller stops inlining
     * (NodeCountInliningCutoff) and its vectors get boxed. The codes are shifted by constants (4, then 8
     * per step): a shift by a loop-variable count is two uops on AVX-512 and measured 15% slower.
     */
    private FloatVector chunkSum(IntVector codes, float[] xs, int at) {
        FloatVector even = FloatVector.zero(FLOATS), odd = even;
        IntVector rest = codes;
        for (int p = 0; p < POSITIONS; p += 2) {
            even = weights(rest).fma(FloatVector.fromArray(FLOATS, xs, at + p * LANES), even);
            odd = weights(rest.lanewise(VectorOperators.LSHR, 4)).fma(FloatVector.fromArray(FLOATS, xs, at + (p + 1) * LANES), odd);
            rest = rest.lanewise(VectorOperators.LSHR, 8);
        }
        return even.add(odd);
    }

    /**
     * y[m, n] for the four activation rows m0..m0+3 (y row-major [M, N]): each decoded weight vector is
     * used four times. Same rounding order per row as {@link #dotRow}.
     */
    void dotFourRows(FourBitWeight w, int n, float[] xs, int m0, float[] y) {
        int k = w.cols();
        int whole = k - k % CHUNK;
        long rowByte = (long) n * k / 2;
        int rowBlock = n * w.blocksPerRow();
        int x0 = m0 * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
        FloatVector t0 = FloatVector.zero(FLOATS), t1 = t0, t2 = t0, t3 = t0;
        for (int c = 0; c < whole; c += CHUNK) {
            IntVector codes = loadChunk(w.packed(), rowByte + c / 2);
            FloatVector s0 = FloatVector.zero(FLOATS), s1 = s0, s2 = s0, s3 = s0;
            IntVector rest = codes;
            for (int p = 0; p < POSITIONS; p++) {
                FloatVector wp = weights(rest);
                rest = rest.lanewise(VectorOperators.LSHR, 4);
                int at = c + p * LANES;
                s0 = wp.fma(FloatVector.fromArray(FLOATS, xs, x0 + at), s0);
                s1 = wp.fma(FloatVector.fromArray(FLOATS, xs, x1 + at), s1);
                s2 = wp.fma(FloatVector.fromArray(FLOATS, xs, x2 + at), s2);
                s3 = wp.fma(FloatVector.fromArray(FLOATS, xs, x3 + at), s3);
            }
            FloatVector scale = scale(w.absmax(), rowBlock + (c >>> blockShift));
            t0 = s0.fma(scale, t0);
            t1 = s1.fma(scale, t1);
            t2 = s2.fma(scale, t2);
            t3 = s3.fma(scale, t3);
        }
        int ny = w.rows();
        y[m0 * ny + n] = laneSum(t0) + tail(w, n, whole, xs, x0);
        y[(m0 + 1) * ny + n] = laneSum(t1) + tail(w, n, whole, xs, x1);
        y[(m0 + 2) * ny + n] = laneSum(t2) + tail(w, n, whole, xs, x2);
        y[(m0 + 3) * ny + n] = laneSum(t3) + tail(w, n, whole, xs, x3);
    }

    /**
     * The 4L bytes at {@code byteOffset} as L little-endian ints. Loaded as bytes and reinterpreted: C2
     * (JDK 25) intrinsifies an int load from a byte[]-backed heap segment only as a byte load.
     */
    private static IntVector loadChunk(MemorySegment packed, long byteOffset) {
        return ByteVector.fromMemorySegment(BYTES, packed, byteOffset, ByteOrder.LITTLE_ENDIAN).reinterpretAsInts();
    }

    /**
     * The weights of the codes in the low four bits of each lane. With 16 lanes the table fits one vector:
     * mask, then one permute (measured a little faster than the two-table form). With 8 lanes the
     * two-table permute's index wrap (mod 16) does the masking.
     */
    private FloatVector weights(IntVector codes) {
        if (LANES == 16) return codes.and(0xf).selectFrom(tableA).reinterpretAsFloats();
        return codes.selectFrom(tableA, tableB).reinterpretAsFloats();
    }

    /**
     * Per lane, the absmax of its block, for the chunk whose first weight lies in block {@code firstBlock}:
     * a broadcast, blended with the next blocks' broadcasts where a chunk spans two or four blocks. (A
     * masked load and a rearrange parse into more nodes and pushed the caller past C2's inlining cutoff.)
     * The scalars are read in place from the weight's absmax segment (the tensor's storage): one to four
     * loads per chunk (two at blocksize 64 with 512-bit vectors), measured as fast as reading a float[]
     * copy (4096 x 4096, 2 threads).
     */
    private FloatVector scale(MemorySegment absmax, int firstBlock) {
        FloatVector s = FloatVector.broadcast(FLOATS, absmax.getAtIndex(Elements.F32, firstBlock));
        if (blocksPerChunk == 1) return s;
        s = s.blend(FloatVector.broadcast(FLOATS, absmax.getAtIndex(Elements.F32, firstBlock + 1)), blockLanes[1]);
        if (blocksPerChunk == 2) return s;
        return s.blend(FloatVector.broadcast(FLOATS, absmax.getAtIndex(Elements.F32, firstBlock + 2)), blockLanes[2])
                .blend(FloatVector.broadcast(FLOATS, absmax.getAtIndex(Elements.F32, firstBlock + 3)), blockLanes[3]);
    }

    /** Row n's elements [from, K) in natural order, one by one: table[code]·absmax·x. */
    private static float tail(FourBitWeight w, int n, int from, float[] xs, int xBase) {
        int k = w.cols();
        float sum = 0f;
        for (int i = from; i < k; i++) {
            long e = (long) n * k + i;
            sum += w.table()[FourBitMatmul.code(w, e)] * w.absmaxAt((int) (e / w.blocksize())) * xs[xBase + i];
        }
        return sum;
    }
}
