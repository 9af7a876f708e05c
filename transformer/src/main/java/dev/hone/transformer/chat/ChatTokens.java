package dev.hone.transformer.chat;

/**
 * A tokenized conversation: {@code assistantMask[i]} is true exactly for tokens of assistant content and for the
 * end-of-turn token that closes each assistant turn (the tokens supervised fine-tuning trains on).
 * Invariant: both arrays have the same length. Arrays are shared, not copied.
 */
public record ChatTokens(int[] ids, boolean[] assistantMask) {
    public ChatTokens {
        if (ids.length != assistantMask.length) {
            throw new IllegalArgumentException("ChatTokens: " + ids.length + " ids but " + assistantMask.length + " mask entries");
        }
    }

    public int length() { return ids.length; }

    /** Number of tokens the mask selects. */
    public int assistantTokenCount() {
        int count = 0;
        for (boolean m : assistantMask) if (m) count++;
        return count;
    }
}
