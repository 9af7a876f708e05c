package dev.hone.peer.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.GradientCollector;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The PyTorch peer of benchmarks/run-vs-pytorch.sh: PyTorch 2.7.1 CPU (eager, autograd) through DJL
 * 0.35.1 in the same JVM, timing the steps Hone's dev.hone.benchmarks.peer.HoneStepsMain times and
 * printing rows in the same format ({@code impl case threads median_ms best_ms runs}).
 *
 * <p>block / lora: the GPT-2-small block of shared/bench/peers/java/djl/perf/DjlBench.java (pre-LN,
 * fused QKV, causal MHA 12x64 with an additive mask, GELU MLP 3072, no linear biases, loss mean(out²)),
 * dense (all weights and LayerNorms train) or LoRA r=16 on the 4 linears with the base frozen.
 * stories: {@link StoriesLlama}. smollm: a full LoRA training step (with AdamW) of {@link SmolLlamaLora}. Threads are fixed at engine start by -Dai.djl.pytorch.num_threads.
 * Usage: {@code DjlSteps THREADS [block,lora,stories,smollm] [stories260K.bin]}.
 */
public final class DjlSteps {
    private DjlSteps() { }

    /** A step body. */
    interface Step { void run() throws Exception; }

    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[0]);
        List<String> cases = List.of((args.length > 1 ? args[1] : "block,lora,stories,smollm").split(","));
        Path stories = Path.of(args.length > 2 ? args[2] : "../shared/models/stories260K/stories260K.bin");
        long t0 = System.nanoTime();
        Engine engine = Engine.getEngine("PyTorch");
        try (NDManager root = engine.newBaseManager()) {
            root.ones(new Shape(2, 2)).matMul(root.ones(new Shape(2, 2))).close();
            System.out.printf(Locale.ROOT, "# djl engine=%s version=%s init_ms=%.0f num_threads=%s%n", engine.getEngineName(),
                    engine.getVersion(), (System.nanoTime() - t0) / 1e6, System.getProperty("ai.djl.pytorch.num_threads"));
            for (String c : cases) {
                switch (c) {
                    case "block" -> block(root, threads, false);
                    case "lora" -> block(root, threads, true);
                    case "stories" -> {
                        try (NDManager m = root.newSubManager()) {
                            StoriesLlama s = new StoriesLlama(m, stories);
                            row("stories260K_lora_r16 fwd+bwd B8xT256", threads, s::step);
                        }
                    }
                    case "smollm" -> {
                        try (NDManager m = root.newSubManager()) {
                            SmolLlamaLora s = new SmolLlamaLora(m);
                            row("smollm135m_shape_lora_r16 fwd+bwd+AdamW B1xT512", threads, s::step);
                        }
                    }
                    default -> throw new IllegalArgumentException("DjlSteps: unknown case '" + c + "'");
                }
            }
        }
    }

    static NDArray rand(NDManager m, long... shape) { return m.randomNormal(0f, 0.02f, new Shape(shape), DataType.FLOAT32); }

    /** Same warm-up/measure policy and properties as Hone's StepTimer. */
    static void row(String caseName, int threads, Step step) throws Exception {
        double warmup = Double.parseDouble(System.getProperty("perf.warmup_s", "3"));
        double budget = Double.parseDouble(System.getProperty("perf.budget_s", "8"));
        int minRuns = Integer.parseInt(System.getProperty("perf.min_runs", "5"));
        long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
        for (int i = 0; i < 2 || System.nanoTime() < warmEnd; i++) step.run();
        double[] times = new double[200];
        int n = 0;
        long end = System.nanoTime() + (long) (budget * 1e9);
        while (n < minRuns || (System.nanoTime() < end && n < times.length)) {
            long s = System.nanoTime();
            step.run();
            times[n++] = (System.nanoTime() - s) / 1e6;
        }
        double[] sorted = Arrays.copyOf(times, n);
        Arrays.sort(sorted);
        System.out.println(String.format(Locale.ROOT, "%s\t%s\t%d\t%.3f\t%.3f\t%d", "pytorch", caseName, threads,
                sorted[n / 2], sorted[0], n));
        System.out.flush();
    }

    /** GPT-2-small block, B=8 x T=256, d=768, 12 heads, MLP 3072; dense or LoRA r=16 on all 4 linears. */
    static void block(NDManager root, int threads, boolean lora) throws Exception {
        int bsz = 8, t = 256, d = 768, nh = 12, hd = 64, h = 3072, r = 16;
        try (NDManager m = root.newSubManager()) {
            NDArray x = rand(m, bsz, t, d);
            NDArray g1 = m.ones(new Shape(d)), b1 = m.zeros(new Shape(d)), g2 = m.ones(new Shape(d)), b2 = m.zeros(new Shape(d));
            NDArray[] w = {rand(m, d, 3 * d), rand(m, d, d), rand(m, d, h), rand(m, h, d)};
            float[] mk = new float[t * t];
            for (int i = 0; i < t; i++) for (int j = i + 1; j < t; j++) mk[i * t + j] = -1e9f;
            NDArray mask = m.create(mk, new Shape(t, t));
            List<NDArray> trainable = new ArrayList<>();
            NDArray[] la = new NDArray[4], lb = new NDArray[4];
            if (lora) {
                for (int i = 0; i < 4; i++) {
                    la[i] = rand(m, w[i].getShape().get(0), r);
                    lb[i] = rand(m, r, w[i].getShape().get(1));
                    trainable.add(la[i]);
                    trainable.add(lb[i]);
                }
            } else {
                trainable.addAll(List.of(g1, b1, g2, b2));
                trainable.addAll(List.of(w));
            }
            for (NDArray p : trainable) p.setRequiresGradient(true);
            String name = (lora ? "gpt2_block_lora_r16" : "gpt2_block_full") + " fwd+bwd B8xT256 d768";
            row(name, threads, () -> {
                try (NDManager it = m.newSubManager()) {
                    x.tempAttach(it);
                    try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                        NDArray hn = LayerNorm.layerNorm(x, new Shape(d), g1, b1, 1e-5f).head();
                        NDArray qkv = lin(hn, w[0], la[0], lb[0]);
                        NDList parts = qkv.split(3, 2);
                        NDArray q = heads(parts.get(0), bsz, t, nh, hd), k = heads(parts.get(1), bsz, t, nh, hd),
                                v = heads(parts.get(2), bsz, t, nh, hd);
                        NDArray att = q.matMul(k.transpose(0, 1, 3, 2)).mul(1.0f / (float) Math.sqrt(hd)).add(mask).softmax(-1);
                        NDArray y = att.matMul(v).transpose(0, 2, 1, 3).reshape(bsz, t, d);
                        NDArray x1 = x.add(lin(y, w[1], la[1], lb[1]));
                        NDArray hn2 = LayerNorm.layerNorm(x1, new Shape(d), g2, b2, 1e-5f).head();
                        NDArray out = x1.add(lin(Activation.gelu(lin(hn2, w[2], la[2], lb[2])), w[3], la[3], lb[3]));
                        gc.backward(out.square().mean());
                    }
                }
            });
        }
    }

    static NDArray lin(NDArray x, NDArray w, NDArray a, NDArray b) {
        NDArray y = x.matMul(w);
        return a == null ? y : y.add(x.matMul(a).matMul(b));
    }

    static NDArray heads(NDArray z, int b, int t, int nh, int hd) {
        return z.reshape(b, t, nh, hd).transpose(0, 2, 1, 3);
    }
}
