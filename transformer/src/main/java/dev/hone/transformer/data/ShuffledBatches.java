package dev.hone.transformer.data;

import java.util.ArrayList;
import java.util.List;

/**
 * An endless, epoch-aware source of training batches: each epoch visits every row once, in an order that depends
 * only on (seed, epoch) ({@link SeededShuffle}), in {@link #batchesPerEpoch()} batches (the last may hold fewer
 * rows). {@link #cursor()} captures the state after the batches returned so far and {@link #resume} continues
 * from it, so a resumed run sees exactly the batches an uninterrupted run would. Not thread-safe.
 */
public final class ShuffledBatches {
    private final List<PackedRow> rows;
    private final BatchLayout layout;
    private final long seed;
    private int epoch;
    private int position;
    private int[] order;

    private ShuffledBatches(List<PackedRow> rows, BatchLayout layout, long seed, int epoch, int position) {
        if (rows.isEmpty()) throw new IllegalArgumentException("ShuffledBatches: no rows to batch");
        this.rows = List.copyOf(rows);
        this.layout = layout;
        this.seed = seed;
        this.epoch = epoch;
        this.position = position;
        this.order = SeededShuffle.permutation(rows.size(), seed, SeededShuffle.EPOCH_BASE + epoch);
    }

    /** Starts at epoch 0. */
    public static ShuffledBatches start(List<PackedRow> rows, BatchLayout layout, long seed) {
        return new ShuffledBatches(rows, layout, seed, 0, 0);
    }

    /** Continues where {@code cursor} was taken; the rows and layout must be those of the original run. */
    public static ShuffledBatches resume(List<PackedRow> rows, BatchLayout layout, BatchCursor cursor) {
        if (cursor.rowCount() != rows.size()) {
            throw new IllegalArgumentException("ShuffledBatches.resume: the cursor was taken over " + cursor.rowCount()
                    + " rows but the data now has " + rows.size() + " (different data or settings?)");
        }
        ShuffledBatches batches = new ShuffledBatches(rows, layout, cursor.seed(), cursor.epoch(), 0);
        if (cursor.position() > batches.batchesPerEpoch()) {
            throw new IllegalArgumentException("ShuffledBatches.resume: position " + cursor.position() + " is past the "
                    + batches.batchesPerEpoch() + " batches of an epoch");
        }
        batches.position = cursor.position();
        return batches;
    }

    public int batchesPerEpoch() { return (rows.size() + layout.batchSize() - 1) / layout.batchSize(); }

    /** The epoch the next batch belongs to (from 0). */
    public int epoch() { return position == batchesPerEpoch() ? epoch + 1 : epoch; }

    public BatchCursor cursor() { return new BatchCursor(seed, epoch, position, rows.size()); }

    /** The next batch; after the last batch of an epoch, the first of the next. */
    public Batch next() {
        if (position == batchesPerEpoch()) {
            epoch++;
            position = 0;
            order = SeededShuffle.permutation(rows.size(), seed, SeededShuffle.EPOCH_BASE + epoch);
        }
        int start = position * layout.batchSize();
        int end = Math.min(rows.size(), start + layout.batchSize());
        List<PackedRow> picked = new ArrayList<>(end - start);
        for (int i = start; i < end; i++) picked.add(rows.get(order[i]));
        position++;
        return layout.assemble(picked);
    }
}
