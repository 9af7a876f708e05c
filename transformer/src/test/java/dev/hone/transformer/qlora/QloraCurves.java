package dev.hone.transformer.qlora;

import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;

import java.util.List;

/**
 * The longer LoRA-vs-QLoRA run behind benchmarks/results/qlora-*.md (not a test: it takes minutes).
 * Arguments: steps, evalEvery, evalRows, microBatch (defaults 300, 25, 16, 4). Prints one line per eval
 * point and a table with both curves side by side. Run with the transformer module's test classpath,
 * e.g. {@code java --add-modules jdk.incubator.vector -cp <classes:test-classes:deps> dev.hone.transformer.qlora.QloraCurves}.
 */
public final class QloraCurves {
    private QloraCurves() { }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int evalEvery = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        int evalRows = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int microBatch = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        SftExperiment.Settings settings = new SftExperiment.Settings(16, 32, 2e-3, microBatch, steps, evalEvery, evalRows, 2026);
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            long start = System.nanoTime();
            SftExperiment experiment = SftExperiment.prepare();
            System.out.printf("data: %d train rows, %d validation rows of 512 (%.1f s); %s%n", experiment.data().trainRows().size(),
                    experiment.data().validationRows().size(), (System.nanoTime() - start) / 1e9, settings);
            List<SftExperiment.Point> lora, qlora;
            try (Scope run = Scope.open()) {
                lora = experiment.run(SftExperiment.Base.F32, settings, true);
            }
            try (Scope run = Scope.open()) {
                qlora = experiment.run(SftExperiment.Base.NF4, settings, true);
            }
            System.out.println("| step | LoRA (F32 base) eval loss | QLoRA (NF4 base) eval loss | difference |");
            System.out.println("|---:|---:|---:|---:|");
            for (int i = 0; i < lora.size(); i++) {
                System.out.printf("| %d | %.4f | %.4f | %+.4f |%n", lora.get(i).step(), lora.get(i).evalLoss(), qlora.get(i).evalLoss(),
                        qlora.get(i).evalLoss() - lora.get(i).evalLoss());
            }
        }
    }
}
