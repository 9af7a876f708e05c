package dev.hone.peer.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The PyTorch side of the peak-memory comparison in benchmarks/run-vs-pytorch.sh: builds
 * {@link SmolLlamaLora} (F32 frozen base, LoRA r=16 on all linears) on PyTorch 2.7.1 CPU through DJL,
 * runs STEPS full training steps (forward, loss, backward, AdamW) and prints '#' detail lines and one row
 * {@code memory pytorch CASE peak_rss_kib - median_ms steps}: the process's VmHWM read from
 * /proc/self/status after the steps (PyTorch's CPU allocator keeps no statistics DJL can read, so there
 * is no tensor-byte peak on this side). Run it in a fresh JVM. Usage: {@code PeakMemoryMain THREADS [STEPS]}.
 */
public final class PeakMemoryMain {
    static final String CASE = "smollm135m_shape B1xT512 fwd+bwd+AdamW, LoRA r16 all linears";

    private PeakMemoryMain() { }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) throw new IllegalArgumentException("PeakMemoryMain: usage THREADS [STEPS]");
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        Engine engine = Engine.getEngine("PyTorch");
        engine.setRandomSeed(1);
        try (NDManager root = engine.newBaseManager()) {
            root.ones(new Shape(2, 2)).matMul(root.ones(new Shape(2, 2))).close();
            String afterInit = procStatus("VmHWM");
            SmolLlamaLora model = new SmolLlamaLora(root.newSubManager());
            String afterBuild = procStatus("VmHWM");
            double[] ms = new double[steps];
            float[] losses = new float[steps];
            List<String> perStep = new ArrayList<>();
            for (int s = 0; s < steps; s++) {
                long t0 = System.nanoTime();
                losses[s] = model.step();
                ms[s] = (System.nanoTime() - t0) / 1e6;
                perStep.add(String.format(Locale.ROOT, "%.0f ms/%s", ms[s], procStatus("VmHWM")));
            }
            double[] timed = Arrays.copyOfRange(ms, Math.min(1, steps - 1), steps);
            Arrays.sort(timed);
            Runtime rt = Runtime.getRuntime();
            System.out.printf(Locale.ROOT, "# pytorch %s %s, trainable adapter params %,d, frozen F32 base %.1f MiB; loss per step %s%n",
                    engine.getEngineName(), engine.getVersion(), model.trainableCount(), model.baseBytes() / 1048576.0, Arrays.toString(losses));
            System.out.println("# pytorch keeps for backward, beyond transformers' SDPA + F.silu step: " + model.keptBeyondTransformers());
            System.out.printf(Locale.ROOT, "# pytorch process: VmHWM after engine init %s, after building the model %s; per step (ms/VmHWM) %s; "
                            + "VmRSS now %s; java heap used %.0f of %.0f MiB committed, max %.0f MiB%n",
                    afterInit, afterBuild, String.join(", ", perStep), procStatus("VmRSS"),
                    (rt.totalMemory() - rt.freeMemory()) / 1048576.0, rt.totalMemory() / 1048576.0, rt.maxMemory() / 1048576.0);
            System.out.printf(Locale.ROOT, "memory\tpytorch\tlora_f32 %s\t%d\t-\t%.0f\t%d%n", CASE, kib(procStatus("VmHWM")),
                    timed[timed.length / 2], steps);
        }
    }

    /** A "kB" field of /proc/self/status, e.g. "2603260 kB". */
    static String procStatus(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) return line.substring(field.length() + 1).trim();
        }
        throw new IllegalStateException("PeakMemoryMain: /proc/self/status has no " + field + " line");
    }

    private static long kib(String kbField) { return Long.parseLong(kbField.replace("kB", "").trim()); }
}
