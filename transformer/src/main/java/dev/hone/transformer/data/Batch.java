package dev.hone.transformer.data;

/**
 * One micro-batch as row-major [batchSize, seqLen] int arrays, ready to become I32 tensors: input ids, next-token
 * labels ({@link PackedRow#IGNORE_INDEX} where no loss is taken), position ids (restarting at 0 in every
 * segment), and segment ids (attention stays within a segment; the padding at a row's end is its own segment,
 * with label -100). {@code trainableTokens} = labels that are not ignored, the loss normaliser's share.
 */
public record Batch(int[] inputIds, int[] labels, int[] positionIds, int[] segmentIds, int batchSize, int seqLen, int trainableTokens) {
    public Batch {
        int n = batchSize * seqLen;
        if (batchSize < 1 || seqLen < 1 || inputIds.length != n || labels.length != n || positionIds.length != n || segmentIds.length != n) {
            throw new IllegalArgumentException("Batch [" + batchSize + ", " + seqLen + "]: arrays must each hold " + n
                    + " values, got ids " + inputIds.length + ", labels " + labels.length + ", positions "
                    + positionIds.length + ", segments " + segmentIds.length);
        }
    }

    /** Flat index of (row, column). */
    public int index(int row, int column) { return row * seqLen + column; }
}
