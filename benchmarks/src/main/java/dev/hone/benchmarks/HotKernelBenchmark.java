package dev.hone.benchmarks;

import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.tensor.spi.FusedOps;
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

import java.util.concurrent.TimeUnit;

/**
 * JMH regression set for the kernels that dominate a training step (issue 8), on the cpu backend with
 * 2 threads and the GPT-2-small block's sizes (2048 tokens, d 768, 12 heads of 64): the linear-layer
 * GEMMs (MLP up, LoRA A and B products, the weight gradient Xᵀ·dY), the LoRA backward's narrow products
 * (g·B with dB in one pass, and dA), causal attention forward and
 * backward [8, 12, 256, 64], cross-entropy forward+backward over [2048, 32000] logits and RMSNorm
 * forward+backward [2048, 768]. benchmarks/run-vs-pytorch.sh runs it with short settings and
 * benchmarks/scripts/hot_kernels_check.py flags any kernel slower than its baseline row by the
 * tolerance there. Reports milliseconds per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Dhone.threads=2"})
public class HotKernelBenchmark {
    @Param({"gemm_mlp_up", "gemm_lora_A", "gemm_lora_B", "gemm_dW", "lora_grad_pair", "lora_grad_A", "attention_fwd", "attention_bwd",
            "cross_entropy", "rmsnorm"})
    public String kernel;

    private Backend backend;
    private dev.hone.tensor.Scope scope;
    private Runnable body;

    @Setup(Level.Trial)
    public void setUp() {
        backend = Backends.open("cpu");
        scope = dev.hone.tensor.Scope.open(backend);
        body = switch (kernel) {
            case "gemm_mlp_up" -> matmul(random(1, 2048, 768), random(2, 768, 3072));
            case "gemm_lora_A" -> matmul(random(1, 2048, 768), random(2, 768, 16));
            case "gemm_lora_B" -> matmul(random(1, 2048, 16), random(2, 16, 768));
            case "gemm_dW" -> matmul(random(1, 2048, 768).mT(), random(2, 2048, 3072));
            case "lora_grad_pair", "lora_grad_A" -> loraGradients(kernel.endsWith("pair"));
            case "attention_fwd", "attention_bwd" -> attention(kernel.endsWith("bwd"));
            case "cross_entropy" -> crossEntropy();
            case "rmsnorm" -> rmsNorm();
            default -> throw new IllegalArgumentException("HotKernelBenchmark: unknown kernel '" + kernel + "'");
        };
    }

    private static Tensor random(long seed, int... dims) { return Ops.random(RandomKind.UNIFORM, seed, -1, 1, DType.F32, dims); }

    private static Runnable matmul(Tensor a, Tensor b) {
        Tensor c = Tensor.empty(DType.F32, a.dim(0), b.dim(1));
        return () -> Ops.matmulInto(a, b, c, 1f, 0f);
    }

    /**
     * A LoRA r=16 layer's backward narrow products ({@link Ops#narrowProductsInto}) on [2048, 768]: g·B with
     * dB += s·gᵀ·h in one pass over g ("pair"), or dAᵀ += s·xᵀ·(g·B) alone ("A").
     */
    private static Runnable loraGradients(boolean pair) {
        Tensor wide = random(1, 2048, 768), b = random(2, 768, 16), h = random(3, 2048, 16);
        Tensor gb = Tensor.empty(DType.F32, 2048, 16), grad = Tensor.zeros(DType.F32, 768, 16);
        if (pair) return () -> Ops.narrowProductsInto(wide, b, gb, h, 2f, grad);
        return () -> Ops.narrowProductsInto(wide, null, null, h, 2f, grad);
    }

    private static Runnable attention(boolean backward) {
        int b = 8, h = 12, t = 256, d = 64;
        Tensor q = random(1, b, h, t, d), k = random(2, b, h, t, d), v = random(3, b, h, t, d);
        Tensor out = q.emptyLike(), lse = Tensor.empty(DType.F32, b, h, t);
        FusedOps f = Ops.fused(q);
        float scale = 0.125f;
        f.attention(q, k, v, scale, true, null, out, lse);
        if (!backward) return () -> f.attention(q, k, v, scale, true, null, out, lse);
        Tensor dout = random(4, b, h, t, d), dq = q.emptyLike(), dk = k.emptyLike(), dv = v.emptyLike();
        return () -> f.attentionBackward(q, k, v, scale, true, null, out, lse, dout, dq, dk, dv);
    }

    private static Runnable crossEntropy() {
        int rows = 2048, vocab = 32000;
        Tensor logits = random(1, rows, vocab), dLogits = logits.emptyLike();
        int[] ids = new int[rows];
        for (int i = 0; i < rows; i++) ids[i] = (i * 7919) % vocab;
        Tensor targets = Tensor.ofInts(ids, rows);
        Tensor loss = Tensor.empty(DType.F32, rows), lse = Tensor.empty(DType.F32, rows), dLoss = Tensor.full(DType.F32, 1.0 / rows, rows);
        FusedOps f = Ops.fused(logits);
        return () -> {
            f.crossEntropy(logits, targets, -100, loss, lse);
            f.crossEntropyBackward(logits, targets, -100, lse, dLoss, dLogits);
        };
    }

    private static Runnable rmsNorm() {
        Tensor x = random(1, 2048, 768), w = random(2, 768), y = x.emptyLike(), dy = random(3, 2048, 768), dx = x.emptyLike();
        Tensor rstd = Tensor.empty(DType.F32, 2048), dw = Tensor.zeros(DType.F32, 768);
        FusedOps f = Ops.fused(x);
        return () -> {
            f.rmsNorm(x, w, 1e-5f, y, rstd);
            f.rmsNormBackward(x, w, rstd, dy, dx, dw);
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scope.close();
        backend.close();
    }

    @Benchmark
    public void run() { body.run(); }
}
