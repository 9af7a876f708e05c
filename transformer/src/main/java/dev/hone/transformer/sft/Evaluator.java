package dev.hone.transformer.sft;

import dev.hone.autograd.CrossEntropyFn;
import dev.hone.autograd.Tape;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.transformer.data.Batch;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.TokenBatch;
import dev.hone.transformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Loss measurements without a tape: the token-weighted mean cross-entropy over the validation batches (the sum
 * of every scored token's loss divided by the number of scored tokens, so batch boundaries do not matter), and the
 * perplexity of a plain-text file's first tokens (the catastrophic-forgetting check on the base model's own
 * domain). Perplexity is exp(mean loss).
 */
final class Evaluator {
    private Evaluator() { }

    /** Mean loss per scored token over {@code batches}; NaN when none holds a scored token. */
    static double meanLoss(LlamaModel model, List<Batch> batches) {
        double sum = 0;
        long tokens = 0;
        for (Batch b : batches) {
            if (b.trainableTokens() == 0) continue;
            try (Scope scope = Scope.open()) {
                BatchTensors t = BatchTensors.of(b);
                sum += Tape.withoutRecording(() -> model.loss(t.input(), t.labels(), CrossEntropyFn.Reduction.SUM).item());
                tokens += b.trainableTokens();
            }
        }
        return tokens == 0 ? Double.NaN : sum / tokens;
    }

    /** A fixed slice of a text corpus: its first {@code tokenCount} tokens (BOS first), scored in windows of {@code window}. */
    record TextSlice(Path file, int[] tokens, int window) {
        static TextSlice of(Path file, Tokenizer tokenizer, int tokenCount, int window) {
            String text;
            try {
                // read only a prefix generous enough for tokenCount tokens (a token is at most a few characters of prose)
                byte[] bytes = Files.readAllBytes(file);
                text = new String(bytes, 0, Math.min(bytes.length, tokenCount * 16), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("forgetting check: cannot read " + file + ": " + e, e);
            }
            int[] all = tokenizer.encode(text, true);
            if (all.length < 2) throw new IllegalArgumentException("forgetting check: " + file + " holds fewer than 2 tokens");
            return new TextSlice(file, Arrays.copyOf(all, Math.min(all.length, tokenCount)), window);
        }
    }

    /** Perplexity of {@code slice}: windows of {@code window + 1} tokens, each predicting its last {@code window}. */
    static double perplexity(LlamaModel model, TextSlice slice) {
        int[] ids = slice.tokens();
        double sum = 0;
        long scored = 0;
        for (int start = 0; start + 1 < ids.length; start += slice.window()) {
            int length = Math.min(slice.window(), ids.length - 1 - start);
            int[] input = Arrays.copyOfRange(ids, start, start + length);
            int[] target = Arrays.copyOfRange(ids, start + 1, start + 1 + length);
            try (Scope scope = Scope.open()) {
                TokenBatch batch = TokenBatch.of(Tensor.ofInts(input, 1, length));
                Tensor targets = Tensor.ofInts(target, 1, length);
                sum += Tape.withoutRecording(() -> model.loss(batch, targets, CrossEntropyFn.Reduction.SUM).item());
                scored += length;
            }
        }
        return Math.exp(sum / scored);
    }
}
