package dev.hone.transformer.sft;

import java.util.List;
import java.util.OptionalDouble;

/**
 * One model's scores on the validation data: loss per scored token and perplexity = exp(loss); with labelled
 * chat data, the fraction of greedy replies equal to the reference and the fraction whose closest canonical
 * reply has the right label (see {@link ReplyAccuracy}), over {@code answered} prompts; the perplexity on the
 * forgetting-check text; and a few "prompt -> reply" samples for a person to read.
 */
public record ModelEvaluation(double loss, OptionalDouble exactMatch, OptionalDouble labelAccuracy, int answered,
                              OptionalDouble forgettingPerplexity, List<String> samples) {
    public ModelEvaluation {
        samples = List.copyOf(samples);
    }

    public double perplexity() { return Math.exp(loss); }
}
