package dev.hone.transformer.data;

import java.util.List;

/**
 * One unpadded row of a batch: one or more examples laid end to end. For the example occupying {@code [s, s+L)}:
 * {@code segments} is its index in the row (0, 1, ...), {@code positions} run 0..L-1, and
 * {@code labels[s+j] = ids[s+j+1]} when that next token is trainable, else {@value #IGNORE_INDEX}; the label of its
 * last token is always {@value #IGNORE_INDEX}, so no token predicts the next example's first.
 * Invariants: all arrays have the same length; {@code targetCount} = labels that are not ignored.
 */
public record PackedRow(int[] ids, int[] labels, int[] positions, int[] segments, int segmentCount, int targetCount) {
    /** The label of a position that carries no loss (PyTorch's cross-entropy {@code ignore_index}). */
    public static final int IGNORE_INDEX = -100;

    public PackedRow {
        int n = ids.length;
        if (labels.length != n || positions.length != n || segments.length != n) {
            throw new IllegalArgumentException("PackedRow: ids " + n + ", labels " + labels.length + ", positions "
                    + positions.length + ", segments " + segments.length + " must have equal lengths");
        }
    }

    public int length() { return ids.length; }

    /** Lays {@code examples} end to end; their total length is the caller's to bound. */
    public static PackedRow of(List<TokenizedExample> examples) {
        int total = 0;
        for (TokenizedExample e : examples) total += e.length();
        int[] ids = new int[total];
        int[] labels = new int[total];
        int[] positions = new int[total];
        int[] segments = new int[total];
        int offset = 0;
        int targets = 0;
        for (int segment = 0; segment < examples.size(); segment++) {
            TokenizedExample e = examples.get(segment);
            int length = e.length();
            System.arraycopy(e.ids(), 0, ids, offset, length);
            for (int j = 0; j < length; j++) {
                boolean target = j + 1 < length && e.trainable()[j + 1];
                labels[offset + j] = target ? e.ids()[j + 1] : IGNORE_INDEX;
                if (target) targets++;
                positions[offset + j] = j;
                segments[offset + j] = segment;
            }
            offset += length;
        }
        return new PackedRow(ids, labels, positions, segments, examples.size(), targets);
    }
}
