package dev.hone.transformer.data;

/**
 * Where a {@link ShuffledBatches} stands, for checkpoints: its seed, the current epoch (from 0), the number of
 * batches of that epoch already returned, and the number of rows it shuffles (to refuse resuming over different
 * data). A plain record, so Jackson writes and reads it as JSON.
 */
public record BatchCursor(long seed, int epoch, int position, int rowCount) {
    public BatchCursor {
        if (epoch < 0 || position < 0 || rowCount < 0) {
            throw new IllegalArgumentException("BatchCursor: epoch " + epoch + ", position " + position + ", rows " + rowCount + " must be >= 0");
        }
    }
}
