package dev.hone.transformer.data;

/**
 * An example as tokens: {@code ids} (BOS first where the template or tokenizer has one) and {@code trainable}, true
 * for each token the model should learn to predict (its prediction comes from the position before it, so
 * {@code trainable[0]} never matters). Invariants: equal lengths, at least two tokens, at least one trainable
 * token after the first. Arrays are shared, not copied; {@code example} is the source it came from.
 */
public record TokenizedExample(int[] ids, boolean[] trainable, Example example) {
    public TokenizedExample {
        if (ids.length != trainable.length) {
            throw new IllegalArgumentException("TokenizedExample " + example.source() + ": " + ids.length + " ids but "
                    + trainable.length + " mask entries");
        }
        if (targetCount(trainable) == 0) {
            throw new IllegalArgumentException("TokenizedExample " + example.source() + ": no trainable token after the first");
        }
    }

    public int length() { return ids.length; }

    /** Tokens that carry loss: trainable tokens after the first position. */
    public int targetCount() { return targetCount(trainable); }

    static int targetCount(boolean[] trainable) {
        int count = 0;
        for (int i = 1; i < trainable.length; i++) if (trainable[i]) count++;
        return count;
    }
}
