package dev.hone.cpu;

import dev.hone.cpu.kernels.Rope;
import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.Elements;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.RopeStyle;

import java.lang.foreign.MemorySegment;

/**
 * Rotary embedding of x [B, T, H, D] by the angles of positions [B, T] (tables cos/sin [maxPos, D/2]),
 * parallel over (b, t). Each (b, t) loads its cos/sin table row once and rotates its H head vectors;
 * the interleaved layout is de-interleaved into rotate-half order around the same vector kernel.
 * A position outside the tables throws naming it.
 */
final class RopeOps {
    private final WorkerPool pool;

    RopeOps(WorkerPool pool) { this.pool = pool; }

    void rope(Tensor x, Tensor cos, Tensor sin, Tensor positions, RopeStyle style, boolean inverse, Tensor y) {
        int batch = x.dim(0), time = x.dim(1), heads = x.dim(2), d = x.dim(3), half = d / 2, maxPos = cos.dim(0);
        Rows in = Rows.of(x), out = Rows.of(y), cosRows = Rows.of(cos), sinRows = Rows.of(sin);
        Walk pos = Walk.of(positions.layout());
        MemorySegment ps = positions.storage().segment();
        float sinSign = inverse ? -1f : 1f;
        Chunks.forRanges(pool, (long) batch * time, Math.max(1, Chunks.PARALLEL_GRAIN / Math.max(1, (long) heads * d)), (from, to) -> {
            float[] c = new float[half], s = new float[half], v = new float[d], r = new float[d], tmp = new float[d];
            for (long bt = from; bt < to; bt++) {
                long p = Elements.readLong(ps, positions.dtype(), pos.flatIndex(bt));
                if (p < 0 || p >= maxPos) {
                    throw new IndexOutOfBoundsException("rope: position " + p + " at [" + bt / time + ", " + bt % time
                            + "] out of range for tables of " + maxPos + " positions (x " + x.shape() + ")");
                }
                cosRows.load(p, c);
                sinRows.load(p, s);
                for (int h = 0; h < heads; h++) {
                    long row = bt * heads + h;
                    in.load(row, v);
                    rotate(style, v, c, s, sinSign, r, tmp, half);
                    out.store(row, r);
                }
            }
        });
    }

    private static void rotate(RopeStyle style, float[] v, float[] c, float[] s, float sinSign, float[] r, float[] tmp, int half) {
        if (style == RopeStyle.HALF) {
            Rope.rotateHalf(v, c, s, 0, sinSign, r, half);
        } else {
            Rope.deinterleave(v, tmp, half);
            Rope.rotateHalf(tmp, c, s, 0, sinSign, v, half);
            Rope.interleave(v, r, half);
        }
    }
}
