package dev.hone.benchmarks;

import dev.hone.autograd.CrossEntropyFn;
import dev.hone.autograd.Tape;
import dev.hone.autograd.optim.AdamW;
import dev.hone.lora.LoraConfig;
import dev.hone.lora.LoraModel;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.nn.ModelQuantizer;
import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.checkpoint.Llama2cCheckpoint;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.TokenBatch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Tokens per second and peak memory of a full LoRA/QLoRA training step (forward, loss, backward, AdamW update)
 * for stories260K (the real checkpoint) or a randomly initialised SmolLM-135M-sized model, LoRA r=16 alpha 32
 * on every linear layer. Usage: {@code TrainingStepSpeedMain stories260k|smollm135m lora|qlora BATCH SEQ STEPS [BACKEND]}
 * (backend default cpu; {@code cuda} on a GPU machine). Each step ends by reading its loss, which waits for an
 * accelerator's queued work, so step times are complete on every backend. Prints the median and best step
 * time, tokens/s at the median, the first and last loss, the backend's peak live bytes and the process's peak RSS.
 * With {@code -Dhone.profile=ops} every op is timed with the device synchronised around it ({@link OpTimingBackend})
 * and a table of the steps after the first two follows.
 */
public final class TrainingStepSpeedMain {
    /** The base weights' dtype: F32, or BF16 with {@code -Dhone.dtype=bf16}. */
    private static final DType BASE_DTYPE = "bf16".equalsIgnoreCase(System.getProperty("hone.dtype")) ? DType.BF16 : DType.F32;

    private TrainingStepSpeedMain() { }

    public static void main(String[] args) throws IOException {
        String which = args.length > 0 ? args[0] : "stories260k";
        boolean qlora = args.length > 1 && args[1].equals("qlora");
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int seq = args.length > 3 ? Integer.parseInt(args[3]) : 512;
        int steps = args.length > 4 ? Integer.parseInt(args[4]) : 12;
        String backendName = args.length > 5 ? args[5] : "cpu";
        OpTimingBackend[] profile = new OpTimingBackend[1];
        try (Backend opened = Backends.open(backendName)) {
            Backend backend = System.getProperty("hone.profile") != null ? OpTimingBackend.wrap(opened, profile) : opened;
            run(backend, profile[0], which, qlora, batch, seq, steps);
        }
    }

    private static void run(Backend backend, OpTimingBackend profile, String which, boolean qlora, int batch, int seq, int steps) throws IOException {
        try (Scope root = Scope.open(backend)) {
            LlamaModel model = which.equals("smollm135m")
                    ? LlamaModel.random(GenerationBenchmark.smolLm135m(), BASE_DTYPE, 1)
                    : Llama2cCheckpoint.load(GenerationBenchmark.stories260K(), BASE_DTYPE);
            if (qlora) ModelQuantizer.quantizeLinears(model, QuantSpec.qlora());
            LoraModel lora = LoraModel.apply(model, LoraConfig.builder().r(16).loraAlpha(32).allLinear().build(), 7);
            System.out.println(lora.trainableParametersLine());
            AdamW adamW = new AdamW(lora.model().namedParameters(), AdamW.Config.DEFAULTS);
            RandomTokenBatch tokens = RandomTokenBatch.of(model.config().vocabSize(), batch, seq);
            TokenBatch input = tokens.input();                                  // [B, T]
            Tensor targets = tokens.targets();                                  // [B, T]
            double[] ms = new double[steps], losses = new double[steps];
            for (int s = 0; s < steps; s++) {
                if (s == 2 && profile != null) profile.reset();
                long t0 = System.nanoTime();
                try (Scope step = Scope.open(); Tape tape = Tape.open()) {
                    Tensor loss = model.loss(input, targets, CrossEntropyFn.Reduction.MEAN);
                    tape.backward(loss);
                    adamW.step(1e-4);
                    lora.model().zeroGrad();
                    losses[s] = loss.item();                                    // waits for the step's queued work
                }
                ms[s] = (System.nanoTime() - t0) / 1e6;
            }
            double[] timed = Arrays.copyOfRange(ms, Math.min(2, steps - 1), steps); // first steps warm the JIT up
            Arrays.sort(timed);
            double median = timed[timed.length / 2];
            System.out.printf("%s %s B%dxT%d on %s: median %.1f ms/step, best %.1f ms, %.0f tokens/s; loss %.4f -> %.4f; peak tensors %.1f MiB;"
                            + " process peak RSS %s%n",
                    which, qlora ? "qlora" : "lora", batch, seq, backend.device(), median, timed[0], batch * seq / (median / 1e3), losses[0], losses[steps - 1],
                    backend.memoryStats().peakLiveBytes() / 1048576.0, peakRss());
            if (profile != null) System.out.print(profile.table(Math.max(1, steps - 2)));
        }
    }

    private static String peakRss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) return line.substring(6).trim();
        }
        return "n/a";
    }
}
