package dev.hone.examples;

import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.sft.ConfiguredRun;
import dev.hone.transformer.sft.Trainer;
import dev.hone.transformer.train.config.ConfigKey;
import dev.hone.transformer.train.config.TrainingConfig;
import dev.hone.transformer.train.config.TrainingConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code hone demo}: the README's main job. QLoRA fine-tune of stories260K (shared/models) on the Bitext
 * customer-support conversations (shared/data), with the hyper-parameters of
 * {@code examples/configs/demo-qlora-stories260k.yaml}; prints the base model against the fine-tuned one
 * (validation loss, perplexity, exact-match and intent accuracy of greedy replies, TinyStories perplexity) and
 * writes the adapter, metrics, loss curve and summary to {@code runs/demo}. {@code shared/} is looked up beside
 * the working directory and its parents (CI keeps it at {@code ../shared} next to the clone).
 *
 * <p>Besides the LoRA adapters, the token embedding table (tied to the output head in stories260K) is trained in
 * full, as PEFT's {@code modules_to_save} does (the config's {@code lora_modules_to_save: [embed_tokens]}): stories260K never saw its EOS token nor most byte-fallback tokens
 * (their embeddings are almost identical, cosine 0.994), so without it the model cannot learn to end a reply or
 * to write "@"; LoRA on the linear layers cannot separate tokens whose tied embeddings coincide.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "QLoRA fine-tune of stories260K on customer-support chats, with a before/after comparison.")
final class DemoCommand implements Callable<Integer> {
    static final String CONFIG = "examples/configs/demo-qlora-stories260k.yaml";

    @Option(names = "--output-dir", defaultValue = "runs/demo", description = "where the run's files go (default ${DEFAULT-VALUE})")
    Path outputDir;

    @Option(names = "--shared", description = "the shared/ folder (default: found beside the working directory or a parent)")
    Path shared;

    @Option(names = "--max-steps", description = "optimizer steps (default: the demo config's)")
    Long maxSteps;

    @Option(names = "--accuracy-examples", defaultValue = "100", description = "validation prompts answered for accuracy (default ${DEFAULT-VALUE})")
    int accuracyExamples;

    @Option(names = "--backend", defaultValue = "cpu", description = "backend name (default ${DEFAULT-VALUE})")
    String backendName;

    @Override
    public Integer call() {
        Path sharedDir = shared != null ? shared : findShared();
        Path model = sharedDir.resolve("models/stories260K/stories260K.bin");
        Path data = sharedDir.resolve("data/customer-support/bitext_customer_support_6480_short.DERIVED.messages.jsonl");
        for (Path p : List.of(model, data)) {
            if (!Files.isRegularFile(p)) throw new IllegalStateException("demo: " + p + " is missing from the shared folder " + sharedDir);
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put(ConfigKey.BASE_MODEL.key(), model.toString());
        overrides.put(ConfigKey.TOKENIZER.key(), sharedDir.resolve("models/stories260K/tok512.bin").toString());
        overrides.put(ConfigKey.DATASETS.key(), "[{path: '" + data + "', type: chat, field_label: intent}]");
        overrides.put(ConfigKey.OUTPUT_DIR.key(), outputDir.toString());
        if (maxSteps != null) overrides.put(ConfigKey.MAX_STEPS.key(), maxSteps.toString());
        TrainingConfig config = TrainingConfigLoader.load(configFile(), overrides);
        long start = System.nanoTime();
        try (Backend backend = Backends.open(backendName); Scope scope = Scope.open(backend)) {
            Trainer.Builder builder = ConfiguredRun.builder(config, accuracyExamples)
                    .forgettingCheck(sharedDir.resolve("data/tinystories/tinystories_val.txt"), 4096);
            builder.build().fit();
        }
        String plot = Files.isRegularFile(outputDir.resolve("loss_curve.png")) ? ", loss_curve.png" : "";
        System.out.printf("demo finished in %.1f s; adapter, metrics.csv%s and summary.json are in %s%n",
                (System.nanoTime() - start) / 1e9, plot, outputDir.toAbsolutePath());
        return 0;
    }

    private static Path configFile() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(CONFIG))) return dir.resolve(CONFIG);
        }
        throw new IllegalStateException("demo: " + CONFIG + " not found in " + Path.of("").toAbsolutePath() + " or its parents; run from the Hone repository");
    }

    /** {@code shared/} holding models/stories260K, beside the working directory or one of its parents. */
    static Path findShared() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            for (Path candidate : List.of(dir.resolve("shared"), dir.resolveSibling("shared"))) {
                if (Files.isRegularFile(candidate.resolve("models/stories260K/stories260K.bin"))) return candidate;
            }
        }
        throw new IllegalStateException("demo: the shared/ folder (models and data) was not found beside " + Path.of("").toAbsolutePath()
                + " or any parent; put it at ../shared next to the repository or pass --shared <dir>");
    }
}
