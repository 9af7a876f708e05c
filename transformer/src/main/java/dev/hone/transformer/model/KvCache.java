package dev.hone.transformer.model;

import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;

import java.util.Arrays;

/**
 * Keys and values of the positions already decoded, per layer, so each generation step runs the model on
 * the new tokens only. Buffers are [B, Hkv, capacity, headDim] in the model's dtype, allocated once in the
 * scope open at {@link #allocate} (no allocation per token); rows [0, length) are valid.
 *
 * <p>A cache made by {@link #leftPadded} serves a batch of prompts of different lengths: sequence b is
 * preceded by padding[b] filler positions, and key segment ids [B, capacity] (0 for filler, 1 for real
 * tokens) keep every real query from attending to filler keys (the attention kernel's segment masking).
 *
 * <p>Invariants: 0 <= length <= capacity; a forward pass writes rows [length, length + T) of every layer
 * and then {@link #advance}s by T. Keys are stored after RoPE, so cached rows never change.
 */
public final class KvCache {
    private final Tensor[] keys;
    private final Tensor[] values;
    private final Tensor keySegments; // [B, capacity] I32, null when no sequence is padded
    private final int capacity;
    private int length;

    private KvCache(Tensor[] keys, Tensor[] values, Tensor keySegments, int capacity) {
        this.keys = keys;
        this.values = values;
        this.keySegments = keySegments;
        this.capacity = capacity;
    }

    /** An empty cache for {@code batch} sequences of up to {@code capacity} positions. */
    public static KvCache allocate(LlamaConfig config, DType dtype, int batch, int capacity) {
        return new KvCache(buffers(config, dtype, batch, capacity), buffers(config, dtype, batch, capacity), null, capacity);
    }

    /**
     * An empty cache for {@code padding.length} left-padded sequences: positions [0, padding[b]) of sequence b
     * hold filler that no real position attends to.
     */
    public static KvCache leftPadded(LlamaConfig config, DType dtype, int[] padding, int capacity) {
        int batch = padding.length;
        int[] segments = new int[batch * capacity];
        for (int b = 0; b < batch; b++) {
            if (padding[b] < 0 || padding[b] >= capacity) {
                throw new IllegalArgumentException("KvCache: padding " + padding[b] + " of sequence " + b + " outside [0, capacity " + capacity + ")");
            }
            Arrays.fill(segments, b * capacity + padding[b], (b + 1) * capacity, 1);
        }
        return new KvCache(buffers(config, dtype, batch, capacity), buffers(config, dtype, batch, capacity),
                Tensor.ofInts(segments, batch, capacity), capacity);                          // segments [B, C]
    }

    private static Tensor[] buffers(LlamaConfig config, DType dtype, int batch, int capacity) {
        if (capacity <= 0 || capacity > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("KvCache: capacity " + capacity + " outside [1, max_position_embeddings "
                    + config.maxPositionEmbeddings() + "]");
        }
        Tensor[] buffers = new Tensor[config.numHiddenLayers()];
        for (int l = 0; l < buffers.length; l++) {
            buffers[l] = Tensor.zeros(dtype, batch, config.numKeyValueHeads(), capacity, config.headDim()); // [B, Hkv, C, Dh]
        }
        return buffers;
    }

    public int length() { return length; }

    public int capacity() { return capacity; }

    /** Forgets every cached position (the buffers are reused). */
    public void reset() { length = 0; }

    /**
     * Stores layer {@code layer}'s new keys and values k, v [B, Hkv, T, Dh] at rows [length, length + T)
     * and returns views of all valid rows [B, Hkv, length + T, Dh] (keys first, then values).
     */
    Tensor[] append(int layer, Tensor k, Tensor v) {
        int t = k.dim(2);
        if (length + t > capacity) {
            throw new IllegalStateException("KvCache: " + t + " new positions after " + length + " exceed the capacity of " + capacity);
        }
        if (k.dim(0) != keys[layer].dim(0)) {
            throw new IllegalArgumentException("KvCache: batch of " + k.dim(0) + " for a cache of batch " + keys[layer].dim(0));
        }
        Ops.copyInto(k, keys[layer].narrow(2, length, t));
        Ops.copyInto(v, values[layer].narrow(2, length, t));
        return new Tensor[] {keys[layer].narrow(2, 0, length + t), values[layer].narrow(2, 0, length + t)};
    }

    /** Segment ids [B, length + t] (a view) of the keys a pass of {@code t} new positions attends to; null when nothing is padded. */
    Tensor keySegments(int t) { return keySegments == null ? null : keySegments.narrow(1, 0, length + t); }

    /** Marks {@code positions} more rows valid (after every layer has appended them). */
    void advance(int positions) { length += positions; }
}
