package dev.hone.tensor.io;

import dev.hone.tensor.DType;
import dev.hone.tensor.Shape;

/**
 * Where one tensor of a safetensors file lies and what it holds. {@code byteOffset} is the position of
 * its first byte in the file (header included), {@code byteLength} equals
 * {@code shape.numel() * dtype.byteSize()}; the data is row-major and little-endian.
 */
public record TensorInfo(String name, DType dtype, Shape shape, long byteOffset, long byteLength) {

    public TensorInfo {
        if (byteOffset < 0 || byteLength < 0) {
            throw new IllegalArgumentException("tensor '" + name + "': negative offset " + byteOffset + " or length " + byteLength);
        }
    }

    public long numel() { return shape.numel(); }
}
