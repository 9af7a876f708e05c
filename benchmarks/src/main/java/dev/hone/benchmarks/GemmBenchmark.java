package dev.hone.benchmarks;

import dev.hone.cpu.gemm.Gemm;
import dev.hone.cpu.parallel.WorkerPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * JMH timing of Hone's CPU SGEMM ({@link Gemm}) on the {@link GemmShape#standard()} shapes with 1 and 2
 * worker threads. Reports milliseconds per call; {@link #main} runs JMH (any JMH options pass through,
 * e.g. {@code -p shape=square1024 -p threads=2}) and then prints GFLOP/s = 2*m*n*k / time per row.
 * Run: {@code java -cp benchmarks/target/benchmarks.jar dev.hone.benchmarks.GemmBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmBenchmark {

    @Param({"square512", "square1024", "square2048", "square4096", "mlp_up", "lora_A_r16", "lora_B_r16", "dW",
            "gemv", "gemv_xWT"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private WorkerPool pool;
    private Gemm gemm;
    private GemmOperands operands;

    @Setup(Level.Trial)
    public void setUp() {
        pool = new WorkerPool(threads);
        gemm = new Gemm(pool);
        operands = new GemmOperands(GemmShape.byName(shape), 42);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        operands.close();
        pool.close();
    }

    @Benchmark
    public float sgemm() {
        operands.multiply(gemm);
        return operands.c(0, 0);
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        CommandLineOptions options = new CommandLineOptions(args);
        if (options.getIncludes().isEmpty()) {
            options = new CommandLineOptions(concat(args, GemmBenchmark.class.getSimpleName()));
        }
        Collection<RunResult> results = new Runner(options).run();
        System.out.println();
        System.out.println("shape\tthreads\tms\tGFLOP/s");
        for (RunResult r : results) {
            GemmShape s = GemmShape.byName(r.getParams().getParam("shape"));
            double ms = r.getPrimaryResult().getScore();
            System.out.printf("%s\t%s\t%.3f\t%.1f%n", s.name(), r.getParams().getParam("threads"), ms,
                    s.flops() / ms / 1e6);
        }
    }

    private static String[] concat(String[] args, String extra) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = extra;
        return all;
    }
}
