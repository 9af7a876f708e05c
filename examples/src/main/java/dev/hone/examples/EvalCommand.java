package dev.hone.examples;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.chat.ChatTemplates;
import dev.hone.transformer.data.DataSource;
import dev.hone.transformer.data.SftDataConfig;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.sft.BaseModels;
import dev.hone.transformer.sft.DataEvaluation;
import dev.hone.transformer.sft.ModelEvaluation;
import dev.hone.transformer.tokenizer.Tokenizer;
import dev.hone.transformer.train.Perplexity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code hone eval}: loss, perplexity and (with {@code --label-key}) exact-match and label accuracy of greedy
 * replies for a base model, or a base model with a PEFT adapter, on one JSONL/CSV data file.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate a base model (optionally with a LoRA adapter) on a data file.")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--base-model", required = true, description = "Hugging Face folder or llama2.c .bin")
    Path baseModel;

    @Option(names = "--tokenizer", description = "tokenizer file (default: the model folder's, or tok<vocab>.bin next to a .bin)")
    Path tokenizer;

    @Mixin
    AdapterOptions adapterOptions;

    @Option(names = "--data", required = true, description = "JSONL or CSV data file")
    Path data;

    @Option(names = "--sequence-len", defaultValue = "512", description = "maximum tokens per example (default ${DEFAULT-VALUE})")
    int sequenceLen;

    @Option(names = "--label-key", description = "metadata key of a class label (e.g. intent) for accuracy")
    String labelKey;

    @Option(names = "--accuracy-examples", defaultValue = "100", description = "labelled prompts answered (default ${DEFAULT-VALUE})")
    int accuracyExamples;

    @Option(names = "--backend", defaultValue = "cpu", description = "backend name (default ${DEFAULT-VALUE})")
    String backendName;

    @Override
    public Integer call() {
        try (Backend backend = Backends.open(backendName); Scope scope = Scope.open(backend)) {
            LlamaModel model = BaseModels.load(baseModel, DType.F32);
            Tokenizer tok = BaseModels.tokenizer(baseModel, Optional.ofNullable(tokenizer), model.config().vocabSize());
            Optional<Path> adapter = adapterOptions.applyTo(model, System.out);
            ModelEvaluation e = DataEvaluation.evaluate(model, tok, ChatTemplates.forTokenizer(tok), SftDataConfig.defaults(DataSource.of(data), sequenceLen),
                    Optional.ofNullable(labelKey), accuracyExamples, 4, System.err::println);
            System.out.printf(Locale.ROOT, "%s%s on %s: loss %.4f, perplexity %s%n", baseModel, adapter.map(a -> " + " + a).orElse(""), data,
                    e.loss(), Perplexity.format(e.perplexity()));
            if (e.exactMatch().isPresent()) {
                System.out.printf(Locale.ROOT, "greedy replies to %d prompts: exact match %.1f%%, %s accuracy %.1f%%%n", e.answered(),
                        100 * e.exactMatch().getAsDouble(), labelKey, 100 * e.labelAccuracy().getAsDouble());
            }
            e.samples().forEach(s -> System.out.println("  " + s));
        }
        return 0;
    }
}
