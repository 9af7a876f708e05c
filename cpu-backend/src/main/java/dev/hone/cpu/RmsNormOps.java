package dev.hone.cpu;

import dev.hone.cpu.kernels.Reductions;
import dev.hone.cpu.kernels.RmsNorm;
import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.Elements;
import dev.hone.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * RMSNorm forward and backward over the last axis, rows in parallel. The weight gradient is summed
 * without races: each task accumulates its rows into its own F32 partial, and the partials are added
 * in task order after the parallel loop (so the result does not depend on thread timing), then added
 * once into {@code dweightAccumulate}.
 */
final class RmsNormOps {
    private final WorkerPool pool;

    RmsNormOps(WorkerPool pool) { this.pool = pool; }

    void forward(Tensor x, Tensor weight, float eps, Tensor y, Tensor rstd) {
        Rows in = Rows.of(x), out = Rows.of(y);
        int n = in.cols;
        float[] w = loadVector(weight, n);
        Walk r = Walk.of(rstd.layout());
        MemorySegment rs = rstd.storage().segment();
        Chunks.forRanges(pool, in.rows, Math.max(1, Chunks.PARALLEL_GRAIN / Math.max(1, n)), (from, to) -> {
            float[] v = new float[n];
            for (long row = from; row < to; row++) {
                in.load(row, v);
                float inverseRms = RmsNorm.rstd(v, n, eps);
                RmsNorm.normalize(v, w, inverseRms, v, n);
                out.store(row, v);
                Elements.write(rs, rstd.dtype(), r.flatIndex(row), inverseRms);
            }
        });
    }

    void backward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dweightAccumulate) {
        Rows in = Rows.of(x), grad = Rows.of(dy), out = Rows.of(dx);
        int n = in.cols;
        long rows = in.rows;
        float[] w = loadVector(weight, n);
        Walk r = Walk.of(rstd.layout());
        MemorySegment rs = rstd.storage().segment();
        int tasks = (int) Math.max(1, Math.min(pool.threads() * 4L, rows * n / Chunks.PARALLEL_GRAIN));
        float[][] partials = new float[tasks][];
        boolean wantWeightGrad = dweightAccumulate != null;
        pool.parallelFor(tasks, task -> {
            float[] v = new float[n], g = new float[n], d = new float[n];
            float[] dw = wantWeightGrad ? new float[n] : null;
            for (long row = rows * task / tasks, end = rows * (task + 1) / tasks; row < end; row++) {
                in.load(row, v);
                grad.load(row, g);
                float s = (float) Elements.read(rs, rstd.dtype(), r.flatIndex(row));
                float c = s * s * s / n * Reductions.dot3(g, w, v, n);
                RmsNorm.inputGrad(v, w, g, s, c, d, n);
                out.store(row, d);
                if (dw != null) RmsNorm.accumulateWeightGrad(g, v, s, dw, n);
            }
            partials[task] = dw;
        });
        if (!wantWeightGrad) return;
        float[] total = loadVector(dweightAccumulate, n);
        for (float[] p : partials) Reductions.accumulateSum(total, p, n);
        storeVector(total, dweightAccumulate, n);
    }

    /** A 1-D tensor of n elements as a fresh F32 array. */
    static float[] loadVector(Tensor t, int n) {
        float[] v = new float[n];
        Walk w = Walk.of(t.layout());
        HostIo.load(t.storage().segment(), t.dtype(), w.start(0, 0, 0), w.colStride(0), v, 0, n);
        return v;
    }

    /** Writes n F32 values into a 1-D tensor of any stride and floating dtype. */
    static void storeVector(float[] v, Tensor t, int n) {
        Walk w = Walk.of(t.layout());
        HostIo.store(v, 0, n, t.storage().segment(), t.dtype(), w.start(0, 0, 0), w.colStride(0));
    }
}
