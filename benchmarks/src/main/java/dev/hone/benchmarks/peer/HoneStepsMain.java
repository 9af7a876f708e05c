package dev.hone.benchmarks.peer;

import dev.hone.benchmarks.OpTimingBackend;
import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;

import java.nio.file.Path;
import java.util.List;

/**
 * Hone's side of benchmarks/run-vs-pytorch.sh: times the training steps that the PyTorch peer
 * (benchmarks/peer-djl) times, one row each in {@link StepTimer}'s format, on the cpu backend with the
 * thread count given (also passed as -Dhone.threads by the script). Usage:
 * {@code HoneStepsMain THREADS [block,lora,stories,smollm] [path/to/stories260K.bin]}. With {@code -Dhone.profile=ops}, each
 * case also prints its ops' time per step ({@link OpTimingBackend}; the first {@code -Dhone.profile.skip} steps, 2 unless
 * given, are left out).
 */
public final class HoneStepsMain {
    private HoneStepsMain() { }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) throw new IllegalArgumentException("HoneStepsMain: usage THREADS [block,lora,stories,smollm] [stories260K.bin]");
        int threads = Integer.parseInt(args[0]);
        List<String> cases = List.of((args.length > 1 ? args[1] : "block,lora,stories,smollm").split(","));
        Path stories = Path.of(args.length > 2 ? args[2] : "../shared/models/stories260K/stories260K.bin");
        System.setProperty("hone.threads", Integer.toString(threads));
        StepTimer timer = StepTimer.fromProperties();
        OpTimingBackend[] profile = new OpTimingBackend[1];
        try (Backend opened = Backends.open("cpu")) {
            Backend backend = System.getProperty("hone.profile") != null ? OpTimingBackend.wrap(opened, profile) : opened;
            try (Scope root = Scope.open(backend)) {
                for (String c : cases) {
                    switch (c) {
                        case "block" -> block(timer, threads, Gpt2BlockStep.Mode.DENSE, profile[0]);
                        case "lora" -> block(timer, threads, Gpt2BlockStep.Mode.LORA, profile[0]);
                        case "smollm" -> {
                            try (SmolLoraStep s = new SmolLoraStep()) {
                                System.out.println("# hone smollm135m shape: " + s.parametersLine());
                                timed(timer, s.caseName(), threads, s::step, profile[0]);
                            }
                        }
                        case "stories" -> {
                            try (StoriesLoraStep s = new StoriesLoraStep(stories)) {
                                System.out.println("# hone stories260K trainable adapter params: " + s.trainableCount());
                                timed(timer, s.caseName(), threads, s::step, profile[0]);
                            }
                        }
                        default -> throw new IllegalArgumentException("HoneStepsMain: unknown case '" + c + "' (block, lora, stories, smollm)");
                    }
                }
            }
        }
    }

    private static void block(StepTimer timer, int threads, Gpt2BlockStep.Mode mode, OpTimingBackend profile) throws Exception {
        try (Gpt2BlockStep b = new Gpt2BlockStep(mode)) {
            timed(timer, b.caseName(), threads, b::step, profile);
        }
    }

    private static void timed(StepTimer timer, String caseName, int threads, StepTimer.Step step, OpTimingBackend profile) throws Exception {
        if (profile == null) {
            timer.row("hone", caseName, threads, step);
            return;
        }
        int skip = Integer.getInteger("hone.profile.skip", 2);
        int[] steps = {0};
        timer.row("hone", caseName, threads, () -> {
            if (steps[0]++ == skip) profile.reset();
            step.run();
        });
        System.out.print(profile.table(Math.max(1, steps[0] - skip)));
        profile.reset();
    }
}
