package dev.hone.benchmarks;

import dev.hone.autograd.Tape;
import dev.hone.autograd.nn.Linear;
import dev.hone.autograd.nn.LinearLayer;
import dev.hone.autograd.nn.Parameter;
import dev.hone.lora.LoraConfig;
import dev.hone.lora.LoraLinear;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.nn.QuantizedLinear;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.tensor.spi.RandomKind;
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
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * JMH: one training step's work for a linear layer x [2048, 768] -> [2048, 768] on the cpu backend
 * with 2 worker threads, F32: forward, then backward from a fixed output gradient, on a tape where x
 * requires a gradient. Layers: "dense" is a frozen nn.Linear alone (backward computes dx only: a
 * frozen weight gets no dW); "lora" is the same frozen layer wrapped by {@link LoraLinear} with r = 16,
 * no dropout (backward computes dx, dA and dB); "nf4" and "qlora" are the same pair over the weight
 * quantized to NF4 (QLoRA's recipe). Each pair is measured identically, so lora/dense − 1 is the LoRA
 * overhead (issue 4's target: under 15%).
 *
 * <p>On a shared machine two runs minutes apart see different loads, so the default run
 * ({@code steps [N] [dense|nf4]}) keeps both layers of a pair in one JVM and times N alternating steps
 * after a warm-up, printing the pairwise ratio's quantiles and the ratio of the fastest steps;
 * {@code pairs [N] [dense|nf4]} alternates N short one-fork JMH runs instead. Any other arguments are
 * JMH options ({@code -p layer=dense,lora}). Run: {@code java --add-modules jdk.incubator.vector
 * --enable-native-access=ALL-UNNAMED -Dhone.threads=2 -cp benchmarks/target/benchmarks.jar
 * dev.hone.benchmarks.LoraBenchmark steps 200} (the steps mode runs in this JVM, so it needs the flags).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Dhone.threads=2"})
public class LoraBenchmark {
    private static final int ROWS = 2048, IN = 768, OUT = 768, RANK = 16;

    @Param({"dense", "lora", "nf4", "qlora"})
    public String layer;

    private Backend backend;
    private dev.hone.tensor.Scope scope;
    private LinearLayer linear;
    private LoraLinear lora;
    private Tensor x;
    private Tensor outputGradient;

    @Setup(Level.Trial)
    public void setUp() {
        backend = Backends.open("cpu");
        scope = dev.hone.tensor.Scope.open(backend);
        Linear dense = new Linear(IN, OUT, Linear.Bias.NO_BIAS, DType.F32, 1);
        dense.trainable(Parameter.Trainability.FROZEN);
        LinearLayer base = layer.equals("nf4") || layer.equals("qlora") ? QuantizedLinear.quantize(dense, QuantSpec.qlora()) : dense;
        x = Ops.random(RandomKind.UNIFORM, 2, -1, 1, DType.F32, ROWS, IN);                 // [2048, 768]
        outputGradient = Ops.random(RandomKind.UNIFORM, 3, -1, 1, DType.F32, ROWS, OUT);   // [2048, 768]
        if (layer.equals("lora") || layer.equals("qlora")) {
            lora = new LoraLinear(base, 4);
            lora.addAdapter("default", new LoraLinear.AdapterSettings(RANK, 32, 2.0, 0, LoraConfig.Variant.LORA),
                    Ops.random(RandomKind.UNIFORM, 5, -0.03, 0.03, DType.F32, RANK, IN),    // A [16, 768]
                    Ops.random(RandomKind.UNIFORM, 6, -0.03, 0.03, DType.F32, OUT, RANK),   // B [768, 16]
                    null);
            lora.setActiveAdapter("default");
            linear = lora;
        } else {
            linear = base;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scope.close();
        backend.close();
    }

    /** Forward and backward; returns one element of dx so the work cannot be skipped. */
    @Benchmark
    public double forwardBackward() {
        try (dev.hone.tensor.Scope step = dev.hone.tensor.Scope.open(); Tape tape = Tape.open()) {
            tape.watch(x);
            Tensor y = linear.forward(x); // [2048, 768]
            tape.backward(y, outputGradient);
            double probe = tape.gradient(x).orElseThrow().getDouble(0, 0);
            if (lora != null) lora.zeroGrad();
            return probe;
        }
    }

    /** One alternation: the base layer's and the LoRA layer's milliseconds per step, measured back to back. */
    private record Pair(double baseMs, double loraMs) {
        double ratio() { return loraMs / baseMs; }
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        String mode = args.length == 0 ? "steps" : args[0];
        if (mode.equals("steps") || mode.equals("pairs")) {
            int count = args.length > 1 ? Integer.parseInt(args[1]) : mode.equals("steps") ? 200 : 8;
            String base = args.length > 2 ? args[2] : "dense";
            if (!base.equals("dense") && !base.equals("nf4")) {
                throw new IllegalArgumentException("LoraBenchmark " + mode + ": base must be dense or nf4, got '" + base + "'");
            }
            String adapted = base.equals("dense") ? "lora" : "qlora";
            List<Pair> pairs = mode.equals("steps") ? alternateSteps(count, base, adapted) : alternateForks(count, base, adapted);
            summarize(pairs, base, adapted);
            return;
        }
        CommandLineOptions options = new CommandLineOptions(args);
        if (options.getIncludes().isEmpty()) {
            String[] withName = Arrays.copyOf(args, args.length + 1);
            withName[args.length] = LoraBenchmark.class.getSimpleName();
            options = new CommandLineOptions(withName);
        }
        new Runner(options).run();
    }

    /**
     * Both layers in this JVM, stepped alternately {@code count} times after a warm-up, so each pair of
     * steps sees the same machine load; the order within a pair alternates too.
     */
    private static List<Pair> alternateSteps(int count, String base, String adapted) {
        LoraBenchmark baseState = state(base), adaptedState = state(adapted);
        try {
            for (int i = 0; i < 20; i++) {
                baseState.forwardBackward();
                adaptedState.forwardBackward();
            }
            List<Pair> pairs = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                double first = timeStep(i % 2 == 0 ? baseState : adaptedState), second = timeStep(i % 2 == 0 ? adaptedState : baseState);
                pairs.add(i % 2 == 0 ? new Pair(first, second) : new Pair(second, first));
            }
            return pairs;
        } finally {
            adaptedState.tearDown();
            baseState.tearDown();
        }
    }

    private static LoraBenchmark state(String layer) {
        LoraBenchmark b = new LoraBenchmark();
        b.layer = layer;
        b.setUp();
        return b;
    }

    private static double timeStep(LoraBenchmark b) {
        long start = System.nanoTime();
        b.forwardBackward();
        return (System.nanoTime() - start) / 1e6;
    }

    /** Short one-fork JMH runs of the base and the LoRA layer, alternating (first side alternates too). */
    private static List<Pair> alternateForks(int count, String base, String adapted) throws RunnerException {
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            double first = shortRun(i % 2 == 0 ? base : adapted), second = shortRun(i % 2 == 0 ? adapted : base);
            Pair p = i % 2 == 0 ? new Pair(first, second) : new Pair(second, first);
            pairs.add(p);
            System.out.printf("pair %d\t%s %.3f ms\t%s %.3f ms\tratio %.3f%n", i, base, p.baseMs(), adapted, p.loraMs(), p.ratio());
        }
        return pairs;
    }

    /** Ratio quantiles over pairs, and the ratio of the two sides' fastest times (least disturbed by load). */
    private static void summarize(List<Pair> pairs, String base, String adapted) {
        double[] ratios = pairs.stream().mapToDouble(Pair::ratio).sorted().toArray();
        double[] baseMs = pairs.stream().mapToDouble(Pair::baseMs).sorted().toArray();
        double[] loraMs = pairs.stream().mapToDouble(Pair::loraMs).sorted().toArray();
        System.out.printf("%s/%s over %d pairs: ratio min %.3f  q1 %.3f  median %.3f  q3 %.3f  max %.3f%n", adapted, base, pairs.size(),
                ratios[0], quantile(ratios, 0.25), quantile(ratios, 0.5), quantile(ratios, 0.75), ratios[ratios.length - 1]);
        System.out.printf("%s ms: min %.3f median %.3f   %s ms: min %.3f median %.3f   ratio of minima %.3f, of medians %.3f%n",
                base, baseMs[0], quantile(baseMs, 0.5), adapted, loraMs[0], quantile(loraMs, 0.5), loraMs[0] / baseMs[0],
                quantile(loraMs, 0.5) / quantile(baseMs, 0.5));
    }

    /** One fork, 2 × 1 s warm-up, 3 × 1 s measured; the mean milliseconds per step. */
    private static double shortRun(String layer) throws RunnerException {
        var options = new OptionsBuilder()
                .include(LoraBenchmark.class.getName() + ".forwardBackward")
                .param("layer", layer)
                .forks(1)
                .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(1))
                .verbosity(VerboseMode.SILENT)
                .build();
        RunResult r = new Runner(options).runSingle();
        return r.getPrimaryResult().getScore();
    }

    /** Linear interpolation between order statistics of a sorted array. */
    private static double quantile(double[] sorted, double q) {
        double at = q * (sorted.length - 1);
        int low = (int) Math.floor(at), high = Math.min(sorted.length - 1, low + 1);
        return sorted[low] + (at - low) * (sorted[high] - sorted[low]);
    }
}
