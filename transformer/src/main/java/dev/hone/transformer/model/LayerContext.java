package dev.hone.transformer.model;

import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.RopeStyle;

/**
 * What every decoder layer of one forward pass shares: positions [B, T] (I32), optional segments [B, T]
 * (I32, null when the batch is not packed), the RoPE tables and layout, and the KV cache (null for a
 * full-sequence pass) with the index of the layer using it.
 */
record LayerContext(Tensor positions, Tensor segments, RopeTables rope, RopeStyle ropeStyle, KvCache cache, int layer) {

    LayerContext forLayer(int index) { return new LayerContext(positions, segments, rope, ropeStyle, cache, index); }
}
