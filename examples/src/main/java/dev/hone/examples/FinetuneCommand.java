package dev.hone.examples;

import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.sft.ConfiguredRun;
import dev.hone.transformer.sft.Trainer;
import dev.hone.transformer.train.config.CliOverrides;
import dev.hone.transformer.train.config.ConfigKey;
import dev.hone.transformer.train.config.TrainingConfig;
import dev.hone.transformer.train.config.TrainingConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code hone finetune --config run.yaml [--key value ...]}: supervised fine-tuning from a YAML/JSON config whose
 * keys are Axolotl/TRL's ({@link ConfigKey}); every key can also be given or overridden as a flag
 * ({@code --learning-rate 1e-3}, {@code --adapter qlora}, {@code --lora-r 16}, {@code --max-steps 200}). {@code --resume}
 * continues the newest checkpoint of output_dir (or the one named).
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, description = "Fine-tune a model (LoRA, QLoRA or full) on a JSONL/CSV data set.")
final class FinetuneCommand implements Callable<Integer> {

    @Option(names = "--config", description = "YAML or JSON config file (keys as Axolotl/TRL)")
    Path config;

    @Option(names = "--resume", arity = "0..1", fallbackValue = "latest", description = "resume from the latest checkpoint in output_dir, or from the directory given")
    String resume;

    @Option(names = "--accuracy-examples", defaultValue = "100", description = "labelled validation prompts answered for exact-match accuracy (default ${DEFAULT-VALUE})")
    int accuracyExamples;

    @Option(names = "--forgetting-text", description = "plain-text file whose perplexity is measured before and after (catastrophic-forgetting check)")
    Path forgettingText;

    @Option(names = "--forgetting-tokens", defaultValue = "4096", description = "tokens of --forgetting-text scored (default ${DEFAULT-VALUE})")
    int forgettingTokens;

    @Option(names = "--backend", defaultValue = "cpu", description = "backend name (default ${DEFAULT-VALUE})")
    String backendName;

    @Unmatched
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        Map<String, String> flags = new LinkedHashMap<>(CliOverrides.parse(overrides));
        if (flags.containsKey("data")) flags.put(ConfigKey.DATASETS.key(), flags.remove("data"));
        if (resume != null) flags.put(ConfigKey.RESUME_FROM_CHECKPOINT.key(), resume);
        TrainingConfig c = config != null ? TrainingConfigLoader.load(config, flags) : TrainingConfigLoader.fromOverrides(flags);
        return run(c, backendName, accuracyExamples, forgettingText, forgettingTokens);
    }

    /** The usage footer: every config key with its description, top-level keys first, then those of a dataset entry. */
    static String[] configKeyHelp() {
        List<String> lines = new ArrayList<>(List.of("", "Any config key may be passed as --key value (dashes or underscores), e.g. --base-model, "
                + "--data, --output-dir, --adapter qlora|lora|full, --lora-r, --max-steps, --learning-rate.", "", "Config keys:"));
        ConfigKey.at(ConfigKey.Level.TOP_LEVEL).forEach(k -> lines.add(keyLine(k)));
        lines.add("");
        lines.add("Keys of a datasets entry:");
        ConfigKey.at(ConfigKey.Level.DATASET_ENTRY).forEach(k -> lines.add(keyLine(k)));
        return lines.toArray(String[]::new);
    }

    /**
     * One key, then its description wrapped in indented lines short enough that picocli (80 columns) keeps them;
     * '%' doubled, as picocli formats usage text.
     */
    private static String keyLine(ConfigKey k) {
        StringBuilder out = new StringBuilder("  ").append(k.key());
        StringBuilder line = new StringBuilder();
        for (String word : k.description().replace("%", "%%").split(" ")) {
            if (line.length() + word.length() + 1 > 72) {
                out.append("%n      ").append(line);
                line.setLength(0);
            }
            if (!line.isEmpty()) line.append(' ');
            line.append(word);
        }
        return out.append("%n      ").append(line).toString();
    }

    static int run(TrainingConfig c, String backendName, int accuracyExamples, Path forgettingText, int forgettingTokens) {
        try (Backend backend = Backends.open(backendName); Scope scope = Scope.open(backend)) {
            Trainer.Builder builder = ConfiguredRun.builder(c, accuracyExamples);
            if (forgettingText != null) builder.forgettingCheck(forgettingText, forgettingTokens);
            builder.build().fit();
        }
        return 0;
    }
}
