package dev.hone.benchmarks;

import dev.hone.tensor.DType;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.tensor.spi.RopeStyle;
import dev.hone.transformer.checkpoint.Llama2cCheckpoint;
import dev.hone.transformer.generation.GenerationConfig;
import dev.hone.transformer.generation.Generator;
import dev.hone.transformer.model.LlamaConfig;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.RopeScaling;
import dev.hone.transformer.model.TokenBatch;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * JMH timing of Llama inference on the cpu backend, F32: {@link #generate} decodes {@value #NEW_TOKENS}
 * greedy tokens from BOS with the KV cache (tokens/s = NEW_TOKENS / time), {@link #forward512} runs the
 * full-sequence forward over {@value #FORWARD_TOKENS} tokens to logits, no tape (tokens/s = 512 / time).
 * Models: stories260K (shared/models, llama2.c format) and a randomly initialised SmolLM-135M-sized config
 * (hidden 576, intermediate 1536, 30 layers, 9 heads, 3 KV heads, vocab 49152, tied embeddings).
 * Run: {@code java -cp benchmarks/target/benchmarks.jar org.openjdk.jmh.Main GenerationBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GenerationBenchmark {
    static final int NEW_TOKENS = 64;
    static final int FORWARD_TOKENS = 512;

    @Param({"stories260K", "smollm135m-random"})
    public String model;

    private Backend backend;
    private dev.hone.tensor.Scope scope;
    private LlamaModel llama;
    private int[] sequence;

    /** SmolLM-135M's geometry (HuggingFaceTB/SmolLM-135M config.json), randomly initialised. */
    static LlamaConfig smolLm135m() {
        return new LlamaConfig(LlamaConfig.Architecture.LLAMA, 49152, 576, 1536, 30, 9, 3, 2048, 1e-5f, 10000f,
                new RopeScaling.None(), LlamaConfig.WordEmbeddings.TIED, LlamaConfig.AttentionBias.NONE, 1, List.of(2), RopeStyle.HALF);
    }

    static Path stories260K() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            for (Path shared : List.of(dir.resolve("shared"), dir.resolveSibling("shared"))) {
                Path bin = shared.resolve("models/stories260K/stories260K.bin");
                if (Files.isRegularFile(bin)) return bin;
            }
        }
        throw new IllegalStateException("shared/models/stories260K/stories260K.bin not found above " + Path.of("").toAbsolutePath());
    }

    @Setup(Level.Trial)
    public void setUp() {
        backend = Backends.open("cpu");
        scope = dev.hone.tensor.Scope.open(backend);
        llama = model.equals("stories260K") ? Llama2cCheckpoint.load(stories260K(), DType.F32) : LlamaModel.random(smolLm135m(), DType.F32, 1);
        sequence = new int[FORWARD_TOKENS];
        for (int i = 0; i < sequence.length; i++) sequence[i] = 1 + (i * 7919) % (llama.config().vocabSize() - 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scope.close();
        backend.close();
    }

    @Benchmark
    public int[] generate() {
        return new Generator(llama).generate(new int[] {1}, GenerationConfig.greedy(NEW_TOKENS, Set.of()), id -> { });
    }

    @Benchmark
    public float forward512() {
        try (dev.hone.tensor.Scope s = dev.hone.tensor.Scope.open()) {
            return llama.logits(TokenBatch.single(sequence, 0)).getFloat(0, FORWARD_TOKENS - 1, 0);
        }
    }
}
