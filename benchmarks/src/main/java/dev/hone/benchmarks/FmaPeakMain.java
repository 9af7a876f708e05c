package dev.hone.benchmarks;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The machine's F32 multiply-add ceiling as the Vector API reaches it: each thread runs a loop of twelve
 * independent FMA chains on preferred-width vectors, all operands in registers (no loads, so no cache or
 * memory effect), and the best of six rounds of {@value #ITERATIONS} iterations is printed as GFLOP/s (2 flops per
 * lane per FMA; the first rounds run before C2 has compiled the loop and only count if nothing later is faster).
 * It is the denominator for a kernel's efficiency: a GEMM at 300 GFLOP/s on a host whose ceiling reads 430
 * runs at 70% of peak. The host's speed drifts (other tenants, frequency), so measure the ceiling in the same
 * run as the kernel. Usage: {@code FmaPeakMain [THREADS...]} (default: 1 and 2); one TSV row per count:
 * {@code fma_peak THREADS GFLOP/s}.
 */
public final class FmaPeakMain {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Loop iterations per timed chunk: 12 FMAs each. */
    private static final long ITERATIONS = 20_000_000L;

    private FmaPeakMain() { }

    public static void main(String[] args) throws InterruptedException {
        List<Integer> counts = new ArrayList<>();
        for (String a : args) counts.add(Integer.parseInt(a));
        if (counts.isEmpty()) counts = List.of(1, 2);
        for (int threads : counts) {
            double best = 0;
            for (int round = 0; round < 6; round++) best = Math.max(best, round(threads));
            System.out.printf(Locale.ROOT, "fma_peak\t%d\t%.1f%n", threads, best);
        }
    }

    /** GFLOP/s of {@code threads} threads each running {@link #chains} once. */
    private static double round(int threads) throws InterruptedException {
        Thread[] workers = new Thread[threads];
        float[] sink = new float[threads];
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            int slot = t;
            workers[t] = new Thread(() -> sink[slot] = chains(ITERATIONS, 1e-9f * (slot + 1)));
            workers[t].start();
        }
        for (Thread w : workers) w.join();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (Float.isNaN(sink[0])) throw new IllegalStateException("FmaPeakMain: NaN sum");
        return threads * ITERATIONS * 12.0 * 2 * SPECIES.length() / seconds / 1e9;
    }

    /** Twelve independent accumulators, each updated once per iteration: FMA throughput, not latency, bounds it. */
    static float chains(long iterations, float seed) {
        FloatVector x = FloatVector.broadcast(SPECIES, 1f + seed), y = FloatVector.broadcast(SPECIES, seed);
        FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++) {
            a0 = x.fma(y, a0); a1 = x.fma(y, a1); a2 = x.fma(y, a2); a3 = x.fma(y, a3);
            a4 = x.fma(y, a4); a5 = x.fma(y, a5); a6 = x.fma(y, a6); a7 = x.fma(y, a7);
            a8 = x.fma(y, a8); a9 = x.fma(y, a9); a10 = x.fma(y, a10); a11 = x.fma(y, a11);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
