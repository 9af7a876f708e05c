package dev.hone.cpu.gemm;

import dev.hone.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * A strided 2-D view of host memory: element (r, c) sits at element index
 * {@code offset + r * rowStride + c * colStride} of {@code segment} (indices in elements of {@code type},
 * not bytes). Transposing a view only swaps its strides; nothing is copied. Public so the backend can
 * hand views to {@link Gemm#narrowProducts}; its helpers stay inside the package.
 */
public record MatrixView(DType type, MemorySegment segment, long offset, long rowStride, long colStride) {

    /** The same memory read as the transposed matrix. */
    MatrixView transposed() { return new MatrixView(type, segment, offset, colStride, rowStride); }

    /** Element index of (r, c). */
    long index(long r, long c) { return offset + r * rowStride + c * colStride; }

    /**
     * Throws unless every element of a {@code rows x cols} view lies inside the segment; the message names
     * the operation and the operand.
     */
    void checkBounds(String op, String name, long rows, long cols) {
        if (rows == 0 || cols == 0) return;
        long lo = offset, hi = offset;
        long rowSpan = (rows - 1) * rowStride, colSpan = (cols - 1) * colStride;
        if (rowSpan < 0) lo += rowSpan; else hi += rowSpan;
        if (colSpan < 0) lo += colSpan; else hi += colSpan;
        long capacity = segment.byteSize() / type.byteSize();
        if (lo < 0 || hi >= capacity) {
            throw new IndexOutOfBoundsException(op + ": operand " + name + " [" + rows + "x" + cols + "] " + type
                    + " with offset " + offset + ", strides (" + rowStride + ", " + colStride + ") reaches elements ["
                    + lo + ", " + hi + "] but the segment holds " + capacity + " elements");
        }
    }
}
