package dev.hone.quant;

import dev.hone.tensor.DType;
import dev.hone.tensor.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One entry of a checkpoint as stored on disk: dtype, shape and the row-major little-endian bytes
 * (the safetensors layout). The bytes are owned by the record: copied in, copied out.
 */
public record StoredTensor(DType dtype, Shape shape, byte[] bytes) {
    public StoredTensor {
        bytes = bytes.clone();
        if (bytes.length != shape.numel() * dtype.byteSize()) {
            throw new IllegalArgumentException("stored tensor " + dtype + " " + shape + " needs " + shape.numel() * dtype.byteSize()
                    + " bytes, got " + bytes.length);
        }
    }

    @Override
    public byte[] bytes() { return bytes.clone(); }

    public long numel() { return shape.numel(); }

    public static StoredTensor ofFloats(float[] values, Shape shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return new StoredTensor(DType.F32, shape, b.array());
    }

    public static StoredTensor ofBytes(DType dtype, byte[] values, Shape shape) { return new StoredTensor(dtype, shape, values); }

    /** The values of an F32 tensor. */
    public float[] floats() {
        if (dtype != DType.F32) throw new IllegalStateException("floats() of a " + dtype + " tensor");
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.length / 4];
        for (int i = 0; i < out.length; i++) out[i] = b.getFloat(4 * i);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredTensor s && dtype == s.dtype && shape.equals(s.shape) && java.util.Arrays.equals(bytes, s.bytes);
    }

    @Override
    public int hashCode() { return dtype.hashCode() * 31 + shape.hashCode(); }

    @Override
    public String toString() { return "StoredTensor[" + dtype + " " + shape + "]"; }
}
