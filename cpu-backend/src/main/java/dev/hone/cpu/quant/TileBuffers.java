package dev.hone.cpu.quant;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Float buffers for dequantized weight tiles, kept between 4-bit products instead of allocated per call:
 * one per call in flight, each about 4 MiB. Allocated per call they were G1 humongous objects, and a QLoRA
 * step of a SmolLM-135M-shaped model made 420 of them (1.7 GB of allocation and zeroing per step). One
 * instance per backend; safe to share between threads.
 */
public final class TileBuffers {
    private final ConcurrentLinkedQueue<float[]> idle = new ConcurrentLinkedQueue<>();

    /** A buffer of at least {@code floats} values (contents undefined); hand it back with {@link #release}. */
    float[] take(int floats) {
        float[] buffer = idle.poll();
        return buffer != null && buffer.length >= floats ? buffer : new float[floats];
    }

    void release(float[] buffer) { idle.offer(buffer); }
}
