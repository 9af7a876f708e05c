package dev.hone.peer.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PyTorch's F32 matmul on the CPU (through DJL, the peer of benchmarks/run-block-gemms-vs-pytorch.sh), timed
 * like Hone's dev.hone.benchmarks.GemmSpeedMain so rows join by name: per shape, 1.5 s of warm-up, then
 * runs until about one second has passed (at least 5, at most 40); one TSV row per shape:
 * {@code torch CASE THREADS median_ms best_ms GFLOP/s_at_median GFLOP/s_at_best}. Shapes are written
 * {@code MxKxN} with {@code ,At} (A stored [K, M], read through a transposed view: Xᵀ·dY) and/or {@code ,Bt}
 * (B stored [N, K]: x·Wᵀ), the names GemmSpeedMain accepts. PyTorch on the CPU is eager and synchronous, so
 * a call's wall time is its product; the result is freed after each call. Threads are fixed at engine start
 * by -Dai.djl.pytorch.num_threads, which the THREADS argument only labels.
 * Usage: {@code DjlGemm THREADS SHAPE...}.
 */
public final class DjlGemm {
    private static final Pattern SHAPE = Pattern.compile("(\\d+)x(\\d+)x(\\d+)((?:,At|,Bt)*)");

    private DjlGemm() { }

    public static void main(String[] args) {
        if (args.length < 2) throw new IllegalArgumentException("DjlGemm: usage THREADS MxKxN[,At][,Bt]...");
        String threads = args[0];
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            for (int i = 1; i < args.length; i++) {
                Matcher s = SHAPE.matcher(args[i]);
                if (!s.matches()) throw new IllegalArgumentException("DjlGemm: shape '" + args[i] + "' is not MxKxN[,At][,Bt]");
                int m = Integer.parseInt(s.group(1)), k = Integer.parseInt(s.group(2)), n = Integer.parseInt(s.group(3));
                boolean at = s.group(4).contains("At"), bt = s.group(4).contains("Bt");
                try (NDManager shape = manager.newSubManager()) {
                    NDArray a = at ? shape.randomNormal(new Shape(k, m)).transpose() : shape.randomNormal(new Shape(m, k));
                    NDArray b = bt ? shape.randomNormal(new Shape(n, k)).transpose() : shape.randomNormal(new Shape(k, n));
                    double[] ms = time(a, b);
                    double flops = 2.0 * m * n * k;
                    System.out.printf(Locale.ROOT, "torch\t%s\t%s\t%.3f\t%.3f\t%.2f\t%.2f%n", args[i], threads, ms[0], ms[1],
                            flops / ms[0] / 1e6, flops / ms[1] / 1e6);
                }
            }
        }
    }

    /** Median and best wall time in milliseconds of a·b. */
    private static double[] time(NDArray a, NDArray b) {
        long warmUntil = System.nanoTime() + 1_500_000_000L;
        for (int warm = 0; warm < 3 || System.nanoTime() < warmUntil; warm++) a.matMul(b).close();
        List<Double> samples = new ArrayList<>();
        long start = System.nanoTime();
        while (samples.size() < 40 && (samples.size() < 5 || System.nanoTime() - start < 1_000_000_000L)) {
            long t0 = System.nanoTime();
            NDArray c = a.matMul(b);
            samples.add((System.nanoTime() - t0) / 1e6);
            c.close();
        }
        Collections.sort(samples);
        return new double[] {samples.get(samples.size() / 2), samples.get(0)};
    }
}
