package dev.hone.cpu.gemm;

import dev.hone.cpu.parallel.WorkerPool;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link WorkerPool} (the GEMM's thread pool; tested here beside its main user): every task index runs
 * exactly once, work really spreads over the workers, idle workers stop polling and park, failures
 * propagate, and nested or concurrent loops fall back to the caller instead of deadlocking.
 */
class WorkerPoolTest {

    @Test
    void runsEveryTaskExactlyOnceOverManyLoops() {
        try (WorkerPool pool = new WorkerPool(2)) {
            for (int round = 0; round < 200; round++) {
                int tasks = 1 + round % 37;
                AtomicIntegerArray hits = new AtomicIntegerArray(tasks);
                pool.parallelFor(tasks, hits::incrementAndGet);
                for (int i = 0; i < tasks; i++) assertThat(hits.get(i)).as("round %d task %d", round, i).isEqualTo(1);
            }
        }
    }

    @Test
    void usesTheWorkersAsWellAsTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            ConcurrentHashMap<Thread, Boolean> seen = new ConcurrentHashMap<>();
            for (int round = 0; round < 50 && seen.size() < 2; round++) {
                pool.parallelFor(2, i -> {
                    seen.put(Thread.currentThread(), true);
                    long until = System.nanoTime() + 2_000_000;
                    while (System.nanoTime() < until) Thread.onSpinWait();
                });
            }
            assertThat(seen).hasSize(2);
        }
    }

    @Test
    void idleWorkersParkAfterTheirPollingWindowAndStillServeTheNextLoop() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(2)) {
            Thread caller = Thread.currentThread();
            AtomicReference<Thread> worker = new AtomicReference<>();
            for (int round = 0; round < 50 && worker.get() == null; round++) {
                pool.parallelFor(2, i -> {
                    if (Thread.currentThread() != caller) worker.set(Thread.currentThread());
                    long until = System.nanoTime() + 2_000_000;
                    while (System.nanoTime() < until) Thread.onSpinWait();
                });
            }
            assertThat(worker.get()).as("a worker ran a task").isNotNull();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (worker.get().getState() != Thread.State.WAITING && System.nanoTime() < deadline) Thread.sleep(1);
            assertThat(worker.get().getState()).as("an idle worker parks instead of polling").isEqualTo(Thread.State.WAITING);
            AtomicIntegerArray hits = new AtomicIntegerArray(6);
            pool.parallelFor(6, hits::incrementAndGet);
            for (int i = 0; i < 6; i++) assertThat(hits.get(i)).as("task %d after parking", i).isEqualTo(1);
        }
    }

    @Test
    void rethrowsTheFailureOfATaskAndStaysUsable() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThatThrownBy(() -> pool.parallelFor(8, i -> {
                if (i == 5) throw new IllegalStateException("task 5 failed");
            })).isInstanceOf(IllegalStateException.class).hasMessage("task 5 failed");
            AtomicIntegerArray hits = new AtomicIntegerArray(4);
            pool.parallelFor(4, hits::incrementAndGet);
            for (int i = 0; i < 4; i++) assertThat(hits.get(i)).isEqualTo(1);
        }
    }

    @Test
    void nestedLoopsRunOnTheCallerWithoutDeadlock() {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(12);
            pool.parallelFor(3, outer -> pool.parallelFor(4, inner -> hits.incrementAndGet(outer * 4 + inner)));
            for (int i = 0; i < 12; i++) assertThat(hits.get(i)).isEqualTo(1);
        }
    }

    @Test
    void singleThreadPoolRunsOnTheCallerAndRejectsUseAfterClose() {
        WorkerPool pool = new WorkerPool(1);
        Thread caller = Thread.currentThread();
        pool.parallelFor(3, i -> assertThat(Thread.currentThread()).isSameAs(caller));
        pool.close();
        assertThatThrownBy(() -> pool.parallelFor(1, i -> { })).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new WorkerPool(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threads");
    }
}
