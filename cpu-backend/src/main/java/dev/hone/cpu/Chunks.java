package dev.hone.cpu;

import dev.hone.cpu.parallel.WorkerPool;

import java.util.function.Supplier;

/**
 * Splits a {@link Walk} into chunks of at most {@link #CHUNK} elements of one row and runs them on the
 * worker pool. Each task asks {@code perTask} for its own body (with its own scratch arrays), so no
 * scratch is shared between threads. Small walks run on the calling thread.
 */
final class Chunks {
    private Chunks() { }

    /** Elements per chunk: working arrays of this size stay in L1 (8 KiB of F32 each). */
    static final int CHUNK = 2048;
    /** Below this many elements, threading costs more than it saves. */
    static final long PARALLEL_GRAIN = 1 << 15;

    /** Work on elements [col, col + n) of one row of a walk. */
    @FunctionalInterface
    interface Body {
        void run(long row, long col, int n);
    }

    static void forEach(WorkerPool pool, Walk walk, Supplier<Body> perTask) {
        long chunksPerRow = (walk.cols + CHUNK - 1) / CHUNK;
        long items = walk.rows * chunksPerRow;
        if (items == 0) return;
        long elements = walk.rows * walk.cols;
        int tasks = (int) Math.min(Math.min(items, pool.threads() * 4L), Math.max(1, elements / PARALLEL_GRAIN));
        pool.parallelFor(tasks, task -> {
            Body body = perTask.get();
            long from = items * task / tasks, to = items * (task + 1) / tasks;
            for (long item = from; item < to; item++) {
                long row = item / chunksPerRow, col = (item % chunksPerRow) * CHUNK;
                body.run(row, col, (int) Math.min(CHUNK, walk.cols - col));
            }
        });
    }

    /** Runs body(first, last) over [0, count) split into at most threads*4 ranges of at least {@code grain} items. */
    static void forRanges(WorkerPool pool, long count, long grain, RangeBody body) {
        if (count == 0) return;
        int tasks = (int) Math.max(1, Math.min(pool.threads() * 4L, count / Math.max(1, grain)));
        pool.parallelFor(tasks, task -> body.run(count * task / tasks, count * (task + 1) / tasks));
    }

    /** Work on items [from, to). */
    @FunctionalInterface
    interface RangeBody {
        void run(long from, long to);
    }
}
