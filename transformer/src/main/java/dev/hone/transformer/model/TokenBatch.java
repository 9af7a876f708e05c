package dev.hone.transformer.model;

import dev.hone.tensor.DType;
import dev.hone.tensor.Tensor;

import java.util.Optional;

/**
 * One forward pass's input: token ids [B, T], their positions [B, T] and, for packed sequences, segment
 * ids [B, T] (attention never crosses a segment boundary; positions restart at 0 in each segment).
 * All I32 on the model's backend.
 */
public record TokenBatch(Tensor ids, Tensor positions, Optional<Tensor> segments) {

    public TokenBatch {
        if (ids.rank() != 2 || !positions.shape().equals(ids.shape())
                || segments.isPresent() && !segments.get().shape().equals(ids.shape())) {
            throw new IllegalArgumentException("TokenBatch: ids, positions and segments must all be [B, T], got ids " + ids.shape()
                    + ", positions " + positions.shape() + ", segments " + segments.map(Tensor::shape).orElse(null));
        }
        if (ids.dtype() != DType.I32 || positions.dtype() != DType.I32 || segments.isPresent() && segments.get().dtype() != DType.I32) {
            throw new IllegalArgumentException("TokenBatch: ids, positions and segments must be I32, got " + ids.dtype() + ", "
                    + positions.dtype() + ", " + segments.map(Tensor::dtype).orElse(null));
        }
    }

    /** ids [B, T] at positions start, start + 1, ... in every row, one segment per row. */
    public static TokenBatch of(Tensor ids, int start) {
        int batch = ids.dim(0), time = ids.dim(1);
        int[] positions = new int[batch * time];
        for (int b = 0; b < batch; b++) for (int t = 0; t < time; t++) positions[b * time + t] = start + t;
        return new TokenBatch(ids, Tensor.ofInts(positions, batch, time), Optional.empty());
    }

    /** ids [B, T] from position 0. */
    public static TokenBatch of(Tensor ids) { return of(ids, 0); }

    /** Packed sequences: positions restart wherever the segment id changes along a row. */
    public static TokenBatch packed(Tensor ids, Tensor segments) {
        int batch = ids.dim(0), time = ids.dim(1);
        int[] seg = segments.contiguous().toIntArray();
        int[] positions = new int[batch * time];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                int i = b * time + t;
                positions[i] = t > 0 && seg[i] == seg[i - 1] ? positions[i - 1] + 1 : 0;
            }
        }
        return new TokenBatch(ids, Tensor.ofInts(positions, batch, time), Optional.of(segments));
    }

    public int batchSize() { return ids.dim(0); }

    public int length() { return ids.dim(1); }

    /** A single sequence [1, T] from Java ids, at positions start.. */
    public static TokenBatch single(int[] ids, int start) { return of(Tensor.ofInts(ids, 1, ids.length), start); }
}
