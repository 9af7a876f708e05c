package dev.hone.benchmarks.peer;

import dev.hone.autograd.CrossEntropyFn;
import dev.hone.autograd.Tape;
import dev.hone.autograd.optim.AdamW;
import dev.hone.cpu.CpuBackend;
import dev.hone.lora.LoraConfig;
import dev.hone.lora.LoraModel;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.nn.ModelQuantizer;
import dev.hone.quant.nn.QuantizationReport;
import dev.hone.tensor.DType;
import dev.hone.tensor.MemoryStats;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.tensor.spi.RopeStyle;
import dev.hone.transformer.model.LlamaConfig;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.RopeScaling;
import dev.hone.transformer.model.TokenBatch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Hone's side of the peak-memory comparison in benchmarks/run-vs-pytorch.sh (issue 8: "peak memory of a
 * QLoRA step at most PyTorch's LoRA step"): a full QLoRA training step (forward, mean cross-entropy,
 * backward, AdamW update) of a randomly initialised SmolLM-135M-shaped Llama (hidden 576, 30 layers, 9
 * query / 3 key-value heads, SwiGLU 1536, vocab 49152, tied embeddings, rotate-half RoPE) on B=1 x T=512
 * seeded random tokens. The frozen base projections are NF4 with double-quantized absmax ({@link
 * QuantSpec#qlora()}, bitsandbytes' recipe); the embedding (also the output head) and the norms stay F32;
 * LoRA r=16, alpha 32 on all seven linears of every layer; no activation checkpointing.
 *
 * <p>The model is built dense and then quantized; the dense projection weights that quantization
 * replaces are freed at once (as the QLoRA training path does: {@code DenseWeights.RELEASE}), so the live
 * tensors of the steps are what a 4-bit model holds; their buffers return to the backend's pool, whose
 * cache keeps released buffers resident up to its limit. Prints '#' detail lines and one row
 * {@code memory hone CASE peak_rss_kib tensor_peak_bytes median_ms steps} that the script turns into
 * Markdown: the process's VmHWM read from /proc/self/status after the steps, and the backend pool's peak
 * of live tensor bytes. Usage: {@code QloraPeakMemoryMain THREADS [STEPS]}; run it in a fresh JVM. With
 * -Dhone.bench.pool_cache_mib=N the cpu backend's pool keeps at most N MiB of released buffers for
 * reuse instead of its default 2 GiB (a what-if: the cached buffers are part of the resident set).
 */
public final class QloraPeakMemoryMain {
    static final int BATCH = 1, TOKENS = 512, RANK = 16;
    static final double ALPHA = 32, LEARNING_RATE = 1e-4;
    /** Optional: the host pool's cache limit in MiB, instead of the cpu backend's default (2 GiB). */
    static final String POOL_CACHE_PROPERTY = "hone.bench.pool_cache_mib";
    static final String CASE = "smollm135m_shape B1xT512 fwd+bwd+AdamW, LoRA r16 all linears";

    private QloraPeakMemoryMain() { }

    /** SmolLM-135M's geometry (the same as GenerationBenchmark's), as the peer builds it. */
    static LlamaConfig smolLm135m() {
        return new LlamaConfig(LlamaConfig.Architecture.LLAMA, 49152, 576, 1536, 30, 9, 3, 2048, 1e-5f, 10000f,
                new RopeScaling.None(), LlamaConfig.WordEmbeddings.TIED, LlamaConfig.AttentionBias.NONE, 1, List.of(2),
                RopeStyle.HALF);
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) throw new IllegalArgumentException("QloraPeakMemoryMain: usage THREADS [STEPS]");
        int threads = Integer.parseInt(args[0]);
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        System.setProperty("hone.threads", Integer.toString(threads));
        String cacheMib = System.getProperty(POOL_CACHE_PROPERTY);
        try (Backend backend = cacheMib == null ? Backends.open("cpu") : new CpuBackend(threads, Long.parseLong(cacheMib) << 20);
             Scope _ = Scope.open(backend)) {
            System.out.println("# hone backend pool cache limit: " + (cacheMib == null ? "default (CpuBackend, 2 GiB)" : cacheMib + " MiB"));
            LlamaModel model = LlamaModel.random(smolLm135m(), DType.F32, 1);
            long denseBytes = ModelQuantizer.weightBytes(model);
            QuantizationReport report = ModelQuantizer.quantizeLinears(model, QuantSpec.qlora(), ModelQuantizer.DenseWeights.RELEASE);
            MemoryStats afterQuantize = backend.memoryStats();
            LoraModel lora = LoraModel.apply(model, LoraConfig.builder().r(RANK).loraAlpha(ALPHA).allLinear().build(), 7);
            AdamW adamW = new AdamW(lora.model().namedParameters(), AdamW.Config.DEFAULTS);
            TokenBatch input = TokenBatch.of(randomTokens(model.config().vocabSize(), 5, 0));   // [B, T]
            Tensor targets = randomTokens(model.config().vocabSize(), 5, 1);                   // [B, T]
            MemoryStats beforeSteps = backend.memoryStats();
            String rssBeforeSteps = procStatus("VmHWM");
            double[] ms = new double[steps];
            MemoryStats afterForward = beforeSteps;
            double[] losses = new double[steps];
            List<String> perStep = new ArrayList<>();
            for (int s = 0; s < steps; s++) {
                long t0 = System.nanoTime();
                try (Scope step = Scope.open(); Tape tape = Tape.open()) {
                    Tensor loss = model.loss(input, targets, CrossEntropyFn.Reduction.MEAN);
                    if (s == 0) afterForward = backend.memoryStats();
                    losses[s] = loss.getDouble();
                    tape.backward(loss);
                    adamW.step(LEARNING_RATE);
                    lora.model().zeroGrad();
                }
                ms[s] = (System.nanoTime() - t0) / 1e6;
                perStep.add(String.format(Locale.ROOT, "%.0f ms/%s", ms[s], procStatus("VmHWM")));
            }
            MemoryStats after = backend.memoryStats();
            double[] timed = Arrays.copyOfRange(ms, Math.min(1, steps - 1), steps);
            Arrays.sort(timed);
            Runtime rt = Runtime.getRuntime();
            System.out.printf(Locale.ROOT, "# hone %s; loss per step %s%n", lora.trainableParametersLine(), Arrays.toString(losses));
            System.out.printf(Locale.ROOT, "# hone weights: dense F32 %.1f MiB -> after QLoRA quantization %.1f MiB (%d projections NF4, kept dense: %s)%n",
                    mib(denseBytes), mib(ModelQuantizer.weightBytes(model)), report.quantized().size(), report.keptDense());
            System.out.printf(Locale.ROOT, "# hone tensors: live after quantization %.1f MiB (setup peak %.1f MiB, pool cache %.1f MiB); "
                            + "live before steps %.1f MiB; after the first forward %.1f MiB (peak so far %.1f MiB); peak %.1f MiB; "
                            + "live after steps %.1f MiB, pool cache %.1f MiB%n",
                    mib(afterQuantize.liveBytes()), mib(afterQuantize.peakLiveBytes()), mib(afterQuantize.cachedBytes()),
                    mib(beforeSteps.liveBytes()), mib(afterForward.liveBytes()), mib(afterForward.peakLiveBytes()), mib(after.peakLiveBytes()), mib(after.liveBytes()), mib(after.cachedBytes()));
            System.out.printf(Locale.ROOT, "# hone process: VmHWM before steps %s; per step (ms/VmHWM) %s; VmRSS now %s; java heap used %.0f of %.0f MiB committed, max %.0f MiB%n",
                    rssBeforeSteps, String.join(", ", perStep), procStatus("VmRSS"), mib(rt.totalMemory() - rt.freeMemory()),
                    mib(rt.totalMemory()), mib(rt.maxMemory()));
            System.out.printf(Locale.ROOT, "memory\thone\tqlora_nf4dq %s\t%d\t%d\t%.0f\t%d%n", CASE, kib(procStatus("VmHWM")),
                    after.peakLiveBytes(), timed[timed.length / 2], steps);
        }
    }

    /** Seeded ids in [0, vocab), shape [BATCH, TOKENS]; stream 0 is the input, 1 the targets. */
    private static Tensor randomTokens(int vocab, long seed, int stream) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] ids = new int[BATCH * TOKENS], next = new int[BATCH * TOKENS];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(vocab);
            next[i] = random.nextInt(vocab);
        }
        return Tensor.ofInts(stream == 0 ? ids : next, BATCH, TOKENS);
    }

    private static double mib(long bytes) { return bytes / 1048576.0; }

    /** A "kB" field of /proc/self/status, e.g. "2603260 kB". */
    static String procStatus(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) return line.substring(field.length() + 1).trim();
        }
        throw new IllegalStateException("QloraPeakMemoryMain: /proc/self/status has no " + field + " line");
    }

    private static long kib(String kbField) { return Long.parseLong(kbField.replace("kB", "").trim()); }
}
