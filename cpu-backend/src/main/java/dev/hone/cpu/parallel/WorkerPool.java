package dev.hone.cpu.parallel;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A fixed pool of worker threads owned by one CpuBackend (no global pools).
 *
 * <p>Invariants: {@code threads - 1} daemon workers exist from construction until {@link #close()}; the
 * calling thread of {@link #parallelFor} is the remaining participant. One parallel loop runs at a time:
 * a loop started while another is running (from a task body, or from a second caller thread) runs
 * entirely on its caller, so nesting never deadlocks. Tasks are handed out dynamically (an atomic
 * counter), so a slow participant takes fewer of them. Idle workers spin briefly, then park.
 */
public final class WorkerPool implements AutoCloseable {
    /** Busy-wait rounds before an idle thread parks; about a tenth of a millisecond. */
    private static final int SPIN_ROUNDS = 2_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile Job current;
    private volatile boolean closed;
    private long generation;

    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("WorkerPool: threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int w = 0; w < workers.length; w++) {
            Thread t = new Thread(this::workerLoop, "hone-cpu-worker-" + (w + 1));
            t.setDaemon(true);
            workers[w] = t;
        }
        for (Thread t : workers) t.start();
    }

    public int threads() { return threads; }

    /**
     * Runs body(i) for i in [0, tasks) across the workers and the calling thread; returns when all are
     * done; rethrows the first failure (tasks not yet started when a failure is seen are skipped).
     */
    public void parallelFor(int tasks, IntConsumer body) {
        if (tasks < 0) throw new IllegalArgumentException("WorkerPool.parallelFor: tasks must be >= 0, got " + tasks);
        if (closed) throw new IllegalStateException("WorkerPool.parallelFor: the pool is closed");
        if (tasks == 0) return;
        if (threads == 1 || tasks == 1 || !running.compareAndSet(false, true)) {
            for (int i = 0; i < tasks; i++) body.accept(i);
            return;
        }
        try {
            Job job = new Job(++generation, tasks, body, Thread.currentThread());
            current = job;
            for (Thread w : workers) LockSupport.unpark(w);
            job.runTasks();
            job.awaitCompletion();
            rethrow(job.failure.get());
        } finally {
            running.set(false);
        }
    }

    /** Stops the workers; loops already running finish first. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
        for (Thread w : workers) {
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void workerLoop() {
        long seen = 0;
        while (true) {
            Job job;
            int spins = 0;
            while ((job = current) == null || job.generation == seen) {
                if (closed) return;
                if (spins < SPIN_ROUNDS) {
                    spins++;
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            seen = job.generation;
            job.runTasks();
        }
    }

    private static void rethrow(Throwable failure) {
        if (failure == null) return;
        if (failure instanceof RuntimeException r) throw r;
        if (failure instanceof Error e) throw e;
        throw new IllegalStateException("WorkerPool.parallelFor: a task failed", failure);
    }

    /** One parallel loop: the task counter, the completion count and the first failure. */
    private static final class Job {
        final long generation;
        final int tasks;
        final IntConsumer body;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger completed = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(long generation, int tasks, IntConsumer body, Thread caller) {
            this.generation = generation;
            this.tasks = tasks;
            this.body = body;
            this.caller = caller;
        }

        void runTasks() {
            int i;
            while ((i = next.getAndIncrement()) < tasks) {
                try {
                    if (failure.get() == null) body.accept(i);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    if (completed.incrementAndGet() == tasks) LockSupport.unpark(caller);
                }
            }
        }

        void awaitCompletion() {
            int spins = 0;
            while (completed.get() < tasks) {
                if (spins < SPIN_ROUNDS) {
                    spins++;
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }
    }
}
