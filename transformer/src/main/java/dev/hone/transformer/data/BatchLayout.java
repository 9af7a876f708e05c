package dev.hone.transformer.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How rows become a {@link Batch}: up to {@code batchSize} rows, each right-padded with {@code padId} to
 * {@code sequenceLen} ({@link Packing#PACKED}) or to the longest row of the batch ({@link Packing#PADDED}).
 * Padding takes the segment id after the row's last example, positions restarting at 0, and label -100.
 */
public record BatchLayout(int batchSize, int sequenceLen, Packing packing, int padId) {
    public BatchLayout {
        if (batchSize < 1 || sequenceLen < 2) {
            throw new IllegalArgumentException("BatchLayout: batch size " + batchSize + " and sequence_len " + sequenceLen + " must be >= 1 and >= 2");
        }
    }

    /** The batch of {@code rows} (1..batchSize of them), in that order. */
    public Batch assemble(List<PackedRow> rows) {
        if (rows.isEmpty() || rows.size() > batchSize) {
            throw new IllegalArgumentException("BatchLayout.assemble: " + rows.size() + " rows for batch size " + batchSize);
        }
        int seqLen = sequenceLen;
        if (packing == Packing.PADDED) {
            seqLen = 0;
            for (PackedRow row : rows) seqLen = Math.max(seqLen, row.length());
        }
        int n = rows.size() * seqLen;
        int[] ids = new int[n];
        int[] labels = new int[n];
        int[] positions = new int[n];
        int[] segments = new int[n];
        int trainable = 0;
        for (int r = 0; r < rows.size(); r++) {
            PackedRow row = rows.get(r);
            if (row.length() > seqLen) {
                throw new IllegalArgumentException("BatchLayout.assemble: row of " + row.length() + " tokens exceeds sequence_len " + seqLen);
            }
            int start = r * seqLen;
            int length = row.length();
            System.arraycopy(row.ids(), 0, ids, start, length);
            System.arraycopy(row.labels(), 0, labels, start, length);
            System.arraycopy(row.positions(), 0, positions, start, length);
            System.arraycopy(row.segments(), 0, segments, start, length);
            Arrays.fill(ids, start + length, start + seqLen, padId);
            Arrays.fill(labels, start + length, start + seqLen, PackedRow.IGNORE_INDEX);
            Arrays.fill(segments, start + length, start + seqLen, row.segmentCount());
            for (int t = length; t < seqLen; t++) positions[start + t] = t - length;
            trainable += row.targetCount();
        }
        return new Batch(ids, labels, positions, segments, rows.size(), seqLen, trainable);
    }

    /** All of {@code rows} in order, in batches of {@code batchSize} (the last may be smaller): for evaluation. */
    public List<Batch> inOrder(List<PackedRow> rows) {
        List<Batch> batches = new ArrayList<>();
        for (int start = 0; start < rows.size(); start += batchSize) {
            batches.add(assemble(rows.subList(start, Math.min(rows.size(), start + batchSize))));
        }
        return batches;
    }
}
