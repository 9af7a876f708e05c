package dev.hone.transformer.data;

/** How tokenized examples become rows of a batch. */
public enum Packing {
    /**
     * Several examples per row, each its own segment (positions restart at 0, attention blocked across segments,
     * no label crosses a boundary); every row is padded to {@code sequence_len}.
     */
    PACKED,
    /** One example per row, right-padded to the longest row of its batch. */
    PADDED
}
