package dev.hone.quant;

import java.util.Arrays;

/**
 * The per-block scales of a {@link QuantizedTensor}, in one of the two layouts bitsandbytes stores.
 * {@link #recover()} gives the float32 scale of every block as bnb's dequantize_4bit computes it.
 */
public sealed interface Absmax permits Absmax.Plain, Absmax.DoubleQuantized {

    /** Number of blocks. */
    int blocks();

    /** The float32 absmax of every block. */
    float[] recover();

    /** Bytes of per-tensor data (code books excluded; they are constants of the format). */
    long dataBytes();

    /** Float32 absmax per block (bnb's "absmax" tensor, F32). */
    record Plain(float[] values) implements Absmax {
        public Plain {
            values = values.clone();
        }

        @Override
        public int blocks() { return values.length; }

        @Override
        public float[] recover() { return values.clone(); }

        @Override
        public long dataBytes() { return 4L * values.length; }

        @Override
        public boolean equals(Object o) { return o instanceof Plain p && Arrays.equals(values, p.values); }

        @Override
        public int hashCode() { return Arrays.hashCode(values); }

        @Override
        public String toString() { return "Absmax.Plain[" + values.length + " blocks]"; }
    }

    /**
     * Double quantization: {@code absmax[i] = nestedCodeMap[codes[i]] * nestedAbsmax[i / nestedBlocksize] + offset},
     * each product and sum rounded to float32 (bnb: dequantize_blockwise, then += offset). codes is bnb's
     * "absmax" (U8), nestedAbsmax its "nested_absmax", nestedCodeMap its "nested_quant_map" (256 values),
     * offset its "nested_offset".
     */
    record DoubleQuantized(byte[] codes, float[] nestedAbsmax, float offset, CodeBook nestedCodeMap, int nestedBlocksize)
            implements Absmax {
        public DoubleQuantized {
            codes = codes.clone();
            nestedAbsmax = nestedAbsmax.clone();
            if (nestedBlocksize < 1) throw new IllegalArgumentException("double-quantized absmax: nested blocksize " + nestedBlocksize);
            long expected = (codes.length + (long) nestedBlocksize - 1) / nestedBlocksize;
            if (nestedAbsmax.length != expected) {
                throw new IllegalArgumentException("double-quantized absmax: " + codes.length + " codes in blocks of " + nestedBlocksize
                        + " need " + expected + " nested absmax values, got " + nestedAbsmax.length);
            }
            if (nestedCodeMap.size() != 256) {
                throw new IllegalArgumentException("double-quantized absmax: nested code map has " + nestedCodeMap.size() + " values, expected 256");
            }
        }

        @Override
        public byte[] codes() { return codes.clone(); }

        @Override
        public float[] nestedAbsmax() { return nestedAbsmax.clone(); }

        @Override
        public int blocks() { return codes.length; }

        @Override
        public float[] recover() {
            float[] out = new float[codes.length];
            for (int i = 0; i < out.length; i++) {
                float scaled = nestedCodeMap.value(codes[i] & 0xff) * nestedAbsmax[i / nestedBlocksize];
                out[i] = scaled + offset;
            }
            return out;
        }

        @Override
        public long dataBytes() { return codes.length + 4L * nestedAbsmax.length + 4; }

        @Override
        public boolean equals(Object o) {
            return o instanceof DoubleQuantized d && Arrays.equals(codes, d.codes) && Arrays.equals(nestedAbsmax, d.nestedAbsmax)
                    && Float.compare(offset, d.offset) == 0 && nestedCodeMap.equals(d.nestedCodeMap) && nestedBlocksize == d.nestedBlocksize;
        }

        @Override
        public int hashCode() { return Arrays.hashCode(codes) * 31 + Arrays.hashCode(nestedAbsmax); }

        @Override
        public String toString() {
            return "Absmax.DoubleQuantized[" + codes.length + " blocks, " + nestedAbsmax.length + " nested, offset " + offset + "]";
        }
    }
}
