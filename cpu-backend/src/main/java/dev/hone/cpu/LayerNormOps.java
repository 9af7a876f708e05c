package dev.hone.cpu;

import dev.hone.cpu.kernels.LayerNorm;
import dev.hone.cpu.kernels.Reductions;
import dev.hone.cpu.kernels.RmsNorm;
import dev.hone.cpu.parallel.WorkerPool;
import dev.hone.tensor.Elements;
import dev.hone.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * LayerNorm forward and backward over the last axis ({@link LayerNorm}), rows in parallel, one pass over
 * x and y (and dy, dx) per row. Weight and bias gradients are summed as in {@link RmsNormOps}: each task
 * accumulates its rows into its own F32 partials, which are added in task order after the parallel loop
 * (so the result does not depend on thread timing), then added once into the accumulators.
 */
final class LayerNormOps {
    private final WorkerPool pool;

    LayerNormOps(WorkerPool pool) { this.pool = pool; }

    void forward(Tensor x, Tensor weight, Tensor bias, float eps, Tensor y, Tensor mean, Tensor rstd) {
        Rows in = Rows.of(x), out = Rows.of(y);
        int n = in.cols;
        float[] w = RmsNormOps.loadVector(weight, n), b = RmsNormOps.loadVector(bias, n);
        Walk m = Walk.of(mean.layout()), r = Walk.of(rstd.layout());
        MemorySegment ms = mean.storage().segment(), rs = rstd.storage().segment();
        Chunks.forRanges(pool, in.rows, Math.max(1, Chunks.PARALLEL_GRAIN / Math.max(1, n)), (from, to) -> {
            float[] v = new float[n];
            for (long row = from; row < to; row++) {
                in.load(row, v);
                float rowMean = Reductions.sum(v, 0, n) / n;
                float inverseStd = LayerNorm.rstd(v, rowMean, n, eps);
                LayerNorm.normalize(v, rowMean, inverseStd, w, b, v, n);
                out.store(row, v);
                Elements.write(ms, mean.dtype(), m.flatIndex(row), rowMean);
                Elements.write(rs, rstd.dtype(), r.flatIndex(row), inverseStd);
            }
        });
    }

    void backward(Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dy, Tensor dx,
                  Tensor dweightAccumulate, Tensor dbiasAccumulate) {
        Rows in = Rows.of(x), grad = Rows.of(dy), out = Rows.of(dx);
        int n = in.cols;
        long rows = in.rows;
        float[] w = RmsNormOps.loadVector(weight, n);
        Walk m = Walk.of(mean.layout()), r = Walk.of(rstd.layout());
        MemorySegment ms = mean.storage().segment(), rs = rstd.storage().segment();
        int tasks = (int) Math.max(1, Math.min(pool.threads() * 4L, rows * n / Chunks.PARALLEL_GRAIN));
        float[][] weightPartials = new float[tasks][], biasPartials = new float[tasks][];
        boolean wantWeight = dweightAccumulate != null, wantBias = dbiasAccumulate != null;
        pool.parallelFor(tasks, task -> {
            float[] xhat = new float[n], g = new float[n], gw = new float[n];
            float[] dw = wantWeight ? new float[n] : null, db = wantBias ? new float[n] : null;
            for (long row = rows * task / tasks, end = rows * (task + 1) / tasks; row < end; row++) {
                in.load(row, xhat);
                grad.load(row, g);
                float rowMean = (float) Elements.read(ms, mean.dtype(), m.flatIndex(row));
                float s = (float) Elements.read(rs, rstd.dtype(), r.flatIndex(row));
                LayerNorm.standardize(xhat, rowMean, s, g, w, xhat, gw, n);
                float meanGw = Reductions.sum(gw, 0, n) / n, meanDot = Reductions.dot(gw, 0, xhat, 0, n) / n;
                if (dw != null) RmsNorm.accumulateWeightGrad(g, xhat, 1f, dw, n);
                if (db != null) Reductions.accumulateSum(db, g, n);
                LayerNorm.inputGrad(xhat, gw, s, meanGw, meanDot, g, n);
                out.store(row, g);
            }
            weightPartials[task] = dw;
            biasPartials[task] = db;
        });
        if (wantWeight) addPartials(weightPartials, dweightAccumulate, n);
        if (wantBias) addPartials(biasPartials, dbiasAccumulate, n);
    }

    /** accumulator += the partials, summed in task order. */
    private static void addPartials(float[][] partials, Tensor accumulator, int n) {
        float[] total = RmsNormOps.loadVector(accumulator, n);
        for (float[] p : partials) Reductions.accumulateSum(total, p, n);
        RmsNormOps.storeVector(total, accumulator, n);
    }
}
