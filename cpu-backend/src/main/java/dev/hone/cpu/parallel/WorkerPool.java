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
 * counter), so a slow participant takes fewer of them; which thread runs a task depends on timing, what
 * a task computes never does (the split into tasks is the caller's, fixed before the loop starts).
 *
 * <p>Waiting: a worker that finished a loop keeps polling for the next one for {@link #IDLE_POLL_NANOS}
 * of wall time (read from the clock: the length of a spin round varies several-fold between CPUs),
 * then parks. The short loops of a training or decode step come back to back, so they find the worker
 * already polling instead of paying a wake-up each (tens of microseconds on an idle machine, hundreds
 * under load). Each poll is a {@link Thread#yield()}, not a busy spin: on a machine with more runnable
 * threads than cores the poller gives its core away at every poll, so it never delays the caller's
 * serial work or another process; busy-spinning there measured up to twice slower per loop. The caller
 * waiting for the others' last tasks polls the same way before it parks. A pool idle longer than the
 * window costs nothing.
 */
public final class WorkerPool implements AutoCloseable {
    /**
     * Wall time an idle worker keeps polling for the next loop before it parks: longer than the serial
     * gaps between the loops of a stories260K training step (of the windows 0.1, 0.5, 1 and 2 ms, 1 and
     * 2 ms gave the fastest steps, equally fast).
     */
    private static final long IDLE_POLL_NANOS = 1_000_000;
    /** Wall time the caller polls for the other participants' last tasks before it parks. */
    private static final long AWAIT_POLL_NANOS = 1_000_000;

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
            long idleSince = System.nanoTime();
            while ((job = current) == null || job.generation == seen) {
                if (closed) return;
                if (System.nanoTime() - idleSince < IDLE_POLL_NANOS) Thread.yield();
                else LockSupport.park(this);
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
            long waitingSince = System.nanoTime();
            while (completed.get() < tasks) {
                if (System.nanoTime() - waitingSince < AWAIT_POLL_NANOS) Thread.yield();
                else LockSupport.park(this);
            }
        }
    }
}
