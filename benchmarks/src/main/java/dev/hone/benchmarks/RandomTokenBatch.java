package dev.hone.benchmarks;

import dev.hone.tensor.Tensor;
import dev.hone.transformer.model.TokenBatch;

import java.util.SplittableRandom;

/**
 * Seeded random token ids and next-token targets for timing a training step, where the values do not change the
 * work: ids [B, T] and targets [B, T] drawn alternately, id then target, from one {@link SplittableRandom}
 * (seed 5 in every step benchmark, so runs and builds see the same batch).
 */
public record RandomTokenBatch(TokenBatch input, Tensor targets) {

    /** B x T ids and targets below {@code vocab}, from seed 5. */
    public static RandomTokenBatch of(int vocab, int batch, int tokens) {
        SplittableRandom random = new SplittableRandom(5);
        int[] ids = new int[batch * tokens], next = new int[batch * tokens];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(vocab);
            next[i] = random.nextInt(vocab);
        }
        return new RandomTokenBatch(TokenBatch.of(Tensor.ofInts(ids, batch, tokens)), Tensor.ofInts(next, batch, tokens));
    }
}
