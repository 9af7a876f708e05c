package dev.hone.cpu.gemm;

import dev.hone.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.hone.cpu.gemm.MicroKernel.LANES;
import static dev.hone.cpu.gemm.MicroKernel.SPECIES;

/**
 * Copies a block of a strided F32/BF16/F16 matrix into the packed F32 panel layout the
 * {@link MicroKernel} reads: for each depth index q, {@code width} consecutive floats, one per panel row
 * r. Rows at or beyond {@code valid} are zero-filled, so partial panels need no special kernel. 16-bit
 * inputs are widened to F32 here (exactly: every BF16/F16 value is an F32 value), and {@code scale}
 * (alpha) is folded in.
 *
 * <p>Source view convention: panel row r, depth q is element (r0 + r, q0 + q) of {@code src}. For the
 * A operand that is A itself; for B it is B transposed (panel rows are B's columns).
 *
 * <p>Fast paths: unit stride across panel rows (row-major B, transposed A) copies whole vectors per
 * depth index; unit stride along depth (row-major A, a weight used as B^T) transposes 8 x 8 blocks in
 * registers ({@link Transpose8}, F32 and BF16), with F16 and leftover rows going through a staging
 * buffer owned by this packer. Other strides go element by element. One packer serves one task at a
 * time (its staging buffers are not shared).
 */
final class PanelPacker {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final VectorSpecies<Float> HALF = FloatVector.SPECIES_256;

    private final Transpose8 transpose = new Transpose8();
    private float[] stage = new float[0];
    private short[] stage16 = new short[0];

    void pack(MatrixView src, long r0, int valid, long q0, int depth, int width, float scale,
                     float[] dest, int destAt) {
        boolean f32 = src.type() == DType.F32;
        if (f32 && src.rowStride() == 1 && valid == width && width % LANES == 0) {
            packF32AcrossVectors(src, r0, q0, depth, width, scale, dest, destAt);
        } else if (f32 && src.rowStride() == 1 && valid == width && width == HALF.length()) {
            packF32AcrossHalfVectors(src, r0, q0, depth, scale, dest, destAt);
        } else if (f32 && src.rowStride() == 1) {
            packF32AcrossMasked(src, r0, valid, q0, depth, width, scale, dest, destAt);
        } else if (src.colStride() == 1 && (f32 || src.type() == DType.BF16) && valid >= 8 && Transpose8.fits()) {
            packAlongDepthBy8(src, r0, valid, q0, depth, width, scale, dest, destAt);
        } else if (src.colStride() == 1 && f32) {
            packF32ThroughStage(src, r0, valid, q0, depth, width, scale, dest, destAt);
        } else if (src.colStride() == 1) {
            pack16ThroughStage(src, r0, valid, q0, depth, width, scale, dest, destAt);
        } else {
            packAcrossRows(src, r0, valid, q0, depth, width, scale, dest, destAt);
        }
        if (valid < width) zeroPadding(valid, depth, width, dest, destAt);
    }

    /**
     * Packs {@code valid} panel rows starting at r0 as consecutive panels of {@code width} rows, panel i at
     * {@code destAt + i * panelStride} (the last one zero-padded). A panel stride above {@code width * depth}
     * leaves room for more depth indices in each panel (a second GEMM term's depth, packed by another call
     * at a later destAt). F32 with unit stride along panel rows
     * (a row-major B, a transposed A) is copied depth index by depth index across all full panels, so the source is read
     * one contiguous row at a time; packing panel by panel instead walked down a column strip with a
     * row-sized stride (4 KiB for n = 1024: one page and the same L1 set per depth index). Other layouts
     * are packed panel by panel. The scale is applied unconditionally in these loops (x * 1 == x): a
     * vector that merges two branches was left boxed in some JVMs (GemmCliffCheck saw 80 bytes
     * allocated per packed vector).
     */
    void packPanels(MatrixView src, long r0, int valid, long q0, int depth, int width, float scale,
                    float[] dest, int destAt, int panelStride) {
        int full = 0;
        if (src.type() == DType.F32 && src.rowStride() == 1 && width % LANES == 0) {
            full = valid / width;
            packF32PanelsAcrossVectors(src, r0, full, q0, depth, width, scale, dest, destAt, panelStride);
        } else if (src.type() == DType.F32 && src.rowStride() == 1 && width < LANES) {
            full = valid / width;
            packF32PanelsAcrossMasked(src, r0, full, q0, depth, width, scale, dest, destAt, panelStride);
        }
        for (int start = full * width; start < valid; start += width) {
            pack(src, r0 + start, Math.min(width, valid - start), q0, depth, width, scale, dest,
                    destAt + start / width * panelStride);
        }
    }

    private static void packF32PanelsAcrossVectors(MatrixView src, long r0, int panels, long q0, int depth, int width,
                                                   float scale, float[] dest, int destAt, int panelStride) {
        MemorySegment seg = src.segment();
        long stride = src.colStride() * Float.BYTES;
        long at = src.index(r0, q0) * Float.BYTES;
        for (int q = 0; q < depth; q++, at += stride) {
            int d = destAt + q * width;
            for (int panel = 0; panel < panels; panel++, d += panelStride) {
                long from = at + (long) panel * width * Float.BYTES;
                for (int r = 0; r < width; r += LANES) {
                    FloatVector.fromMemorySegment(SPECIES, seg, from + (long) r * Float.BYTES, ORDER).mul(scale)
                            .intoArray(dest, d + r);
                }
            }
        }
    }

    /**
     * As {@link #packF32PanelsAcrossVectors} for panels narrower than a vector (12-row A panels): each
     * panel row is read as a whole vector (the lanes past the panel belong to the next panel or row, and
     * are dropped by the masked store), and only where a whole vector would run past the segment's end
     * with a masked load. (A masked segment load that may run past the end leaves C2's intrinsic for the
     * API's scalar fallback, ~100x slower per vector: 2.5% of a GPT-2 block step's samples in dW's A packing.)
     */
    private static void packF32PanelsAcrossMasked(MatrixView src, long r0, int panels, long q0, int depth, int width,
                                                  float scale, float[] dest, int destAt, int panelStride) {
        MemorySegment seg = src.segment();
        VectorMask<Float> mask = SPECIES.indexInRange(0, width);
        long stride = src.colStride() * Float.BYTES, lastWholeVector = seg.byteSize() - (long) LANES * Float.BYTES;
        long at = src.index(r0, q0) * Float.BYTES;
        for (int q = 0; q < depth; q++, at += stride) {
            int d = destAt + q * width;
            for (int panel = 0; panel < panels; panel++, d += panelStride) {
                long from = at + (long) panel * width * Float.BYTES;
                FloatVector row = from <= lastWholeVector ? FloatVector.fromMemorySegment(SPECIES, seg, from, ORDER)
                        : FloatVector.fromMemorySegment(SPECIES, seg, from, ORDER, mask);
                row.mul(scale).intoArray(dest, d, mask);
            }
        }
    }

    /** F32, unit stride along panel rows, full panel: whole vectors per depth index. */
    private static void packF32AcrossVectors(MatrixView src, long r0, long q0, int depth, int width, float scale,
                                             float[] dest, int destAt) {
        MemorySegment seg = src.segment();
        long stride = src.colStride() * Float.BYTES;
        long at = src.index(r0, q0) * Float.BYTES;
        for (int q = 0; q < depth; q++, at += stride) {
            int d = destAt + q * width;
            for (int r = 0; r < width; r += LANES) {
                FloatVector v = FloatVector.fromMemorySegment(SPECIES, seg, at + (long) r * Float.BYTES, ORDER);
                if (scale != 1f) v = v.mul(scale);
                v.intoArray(dest, d + r);
            }
        }
    }

    /** F32, unit stride along panel rows, a full panel as wide as a half vector (8-row panels with AVX-512). */
    private static void packF32AcrossHalfVectors(MatrixView src, long r0, long q0, int depth, float scale,
                                                 float[] dest, int destAt) {
        MemorySegment seg = src.segment();
        long stride = src.colStride() * Float.BYTES;
        long at = src.index(r0, q0) * Float.BYTES;
        int width = HALF.length();
        for (int q = 0; q < depth; q++, at += stride) {
            FloatVector v = FloatVector.fromMemorySegment(HALF, seg, at, ORDER);
            if (scale != 1f) v = v.mul(scale);
            v.intoArray(dest, destAt + q * width);
        }
    }

    /** F32, unit stride along panel rows, partial or narrow panel: masked vectors per depth index. */
    private static void packF32AcrossMasked(MatrixView src, long r0, int valid, long q0, int depth, int width,
                                            float scale, float[] dest, int destAt) {
        MemorySegment seg = src.segment();
        long stride = src.colStride() * Float.BYTES;
        long start = src.index(r0, q0) * Float.BYTES;
        for (int r = 0; r < valid; r += LANES) {
            VectorMask<Float> mask = SPECIES.indexInRange(r, valid);
            long at = start + (long) r * Float.BYTES;
            for (int q = 0; q < depth; q++, at += stride) {
                FloatVector v = FloatVector.fromMemorySegment(SPECIES, seg, at, ORDER, mask);
                if (scale != 1f) v = v.mul(scale);
                v.intoArray(dest, destAt + q * width + r, mask);
            }
        }
    }

    /**
     * F32 or BF16, unit stride along depth: 8 x 8 blocks transposed in registers. The last four rows of a
     * 12-row panel go through a 4 x 8 transpose ({@link Transpose8#block4}); other row counts that are not a
     * multiple of 8 start their last block 8 rows before the end and rewrite a few rows with the same values,
     * so every row goes through registers (needs valid >= 8; element-by-element packing of the 4 leftover
     * rows of a 12-row panel cost ~7%). Depths beyond the last multiple of 8 go element by element.
     */
    private void packAlongDepthBy8(MatrixView src, long r0, int valid, long q0, int depth, int width, float scale,
                                   float[] dest, int destAt) {
        MemorySegment seg = src.segment();
        boolean bf16 = src.type() == DType.BF16;
        int bytes = src.type().byteSize();
        long rowBytes = src.rowStride() * bytes;
        int depth8 = depth & ~7;
        for (int r = 0; r < valid; r += 8) {
            if (valid - r == 4) {        // the last four rows of a 12-row panel: a 4 x 8 transpose
                long at = src.index(r0 + r, q0) * bytes;
                for (int q = 0; q < depth8; q += 8) {
                    transpose.block4(seg, at + (long) q * bytes, rowBytes, bf16, scale, dest, destAt + q * width + r, width);
                }
                continue;
            }
            int row = Math.min(r, valid - 8);
            long at = src.index(r0 + row, q0) * bytes;
            for (int q = 0; q < depth8; q += 8) {
                transpose.block(seg, at + (long) q * bytes, rowBytes, bf16, scale, dest, destAt + q * width + row, width);
            }
        }
        if (depth8 < depth) packAcrossRows(src, r0, valid, q0 + depth8, depth - depth8, width, scale, dest, destAt + depth8 * width);
    }

    /** F32, unit stride along depth: bulk-copy each source row to the stage, then transpose. */
    private void packF32ThroughStage(MatrixView src, long r0, int valid, long q0, int depth, int width, float scale,
                                     float[] dest, int destAt) {
        int ld = stageStride(depth);
        if (stage.length < valid * ld) stage = new float[valid * ld];
        float[] st = stage;
        for (int r = 0; r < valid; r++) {
            MemorySegment.copy(src.segment(), F32, src.index(r0 + r, q0) * Float.BYTES, st, r * ld, depth);
        }
        for (int q = 0; q < depth; q++) {
            int d = destAt + q * width;
            for (int r = 0; r < valid; r++) dest[d + r] = scale * st[r * ld + q];
        }
    }

    /** BF16/F16, unit stride along depth: bulk-copy each source row to the stage, then widen and transpose. */
    private void pack16ThroughStage(MatrixView src, long r0, int valid, long q0, int depth, int width, float scale,
                                    float[] dest, int destAt) {
        int ld = stageStride(depth);
        if (stage16.length < valid * ld) stage16 = new short[valid * ld];
        short[] st = stage16;
        for (int r = 0; r < valid; r++) {
            MemorySegment.copy(src.segment(), I16, src.index(r0 + r, q0) * Short.BYTES, st, r * ld, depth);
        }
        boolean bf16 = src.type() == DType.BF16;
        if (!bf16 && src.type() != DType.F16) throw unsupported(src.type());
        for (int q = 0; q < depth; q++) {
            int d = destAt + q * width;
            if (bf16) {
                for (int r = 0; r < valid; r++) dest[d + r] = scale * Float.intBitsToFloat(st[r * ld + q] << 16);
            } else {
                for (int r = 0; r < valid; r++) dest[d + r] = scale * Float.float16ToFloat(st[r * ld + q]);
            }
        }
    }

    /**
     * Row stride of the staging buffers: the depth plus one line, so that walking down a column of the
     * stage does not hit the same few L1 sets (a power-of-two stride would).
     */
    private static int stageStride(int depth) { return depth + 16 + 1; }

    /** Any strides: iterate depth-major so the writes are sequential. */
    private static void packAcrossRows(MatrixView src, long r0, int valid, long q0, int depth, int width, float scale,
                                       float[] dest, int destAt) {
        MemorySegment seg = src.segment();
        DType type = src.type();
        long rs = src.rowStride();
        for (int q = 0; q < depth; q++) {
            long at = src.index(r0, q0 + q);
            int d = destAt + q * width;
            switch (type) {
                case F32 -> {
                    for (int r = 0; r < valid; r++) dest[d + r] = scale * seg.getAtIndex(F32, at + r * rs);
                }
                case BF16 -> {
                    for (int r = 0; r < valid; r++) {
                        dest[d + r] = scale * Float.intBitsToFloat(seg.getAtIndex(I16, at + r * rs) << 16);
                    }
                }
                case F16 -> {
                    for (int r = 0; r < valid; r++) {
                        dest[d + r] = scale * Float.float16ToFloat(seg.getAtIndex(I16, at + r * rs));
                    }
                }
                default -> throw unsupported(type);
            }
        }
    }

    private static void zeroPadding(int valid, int depth, int width, float[] dest, int destAt) {
        for (int q = 0; q < depth; q++) {
            int d = destAt + q * width;
            for (int r = valid; r < width; r++) dest[d + r] = 0f;
        }
    }

    private static IllegalArgumentException unsupported(DType type) {
        return new IllegalArgumentException("gemm: input dtype " + type + " is not supported (F32, BF16, F16)");
    }
}
