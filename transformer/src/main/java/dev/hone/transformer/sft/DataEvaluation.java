package dev.hone.transformer.sft;

import dev.hone.transformer.chat.ChatTemplate;
import dev.hone.transformer.data.SftData;
import dev.hone.transformer.data.SftDataConfig;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Consumer;

/**
 * {@code hone eval}: a model's scores on one data file, as the trainer computes them: loss and perplexity over
 * every example of the file, and, with a label key, exact-match and label accuracy of greedy replies to its first
 * {@code accuracyExamples} labelled prompts (canonical replies taken from the same file).
 */
public final class DataEvaluation {
    private DataEvaluation() { }

    public static ModelEvaluation evaluate(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, SftDataConfig data,
                                           Optional<String> labelKey, int accuracyExamples, int microBatchSize, Consumer<String> warnings) {
        SftDataConfig whole = data.withValidation(data.train().getFirst());
        SftData prepared = SftData.prepare(whole, tokenizer, template, w -> { if (!w.contains("contamination")) warnings.accept(w); });
        double loss = Evaluator.meanLoss(model, prepared.validationBatches(microBatchSize));
        Optional<ReplyAccuracy> replies = labelKey.flatMap(k -> ReplyAccuracy.of(prepared.train(), tokenizer, template, k));
        if (replies.isEmpty() || accuracyExamples == 0) {
            return new ModelEvaluation(loss, OptionalDouble.empty(), OptionalDouble.empty(), 0, OptionalDouble.empty(), List.of());
        }
        ReplyAccuracy.Scores scores = replies.get().score(model, prepared.validation(), accuracyExamples);
        List<String> samples = new ArrayList<>();
        for (ReplyAccuracy.Sample s : scores.samples().subList(0, Math.min(3, scores.samples().size()))) {
            samples.add(s.prompt() + "\n    -> " + s.generated());
        }
        return new ModelEvaluation(loss, OptionalDouble.of(scores.exactMatch()), OptionalDouble.of(scores.labelAccuracy()), scores.samples().size(),
                OptionalDouble.empty(), samples);
    }
}
