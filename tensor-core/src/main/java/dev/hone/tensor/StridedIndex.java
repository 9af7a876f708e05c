package dev.hone.tensor;

/**
 * Walks every element of a layout in row-major order of its shape, yielding storage element indices.
 * The odometer used by reference code and by the slow generic paths of backends.
 */
public final class StridedIndex {
    private final int[] dims;
    private final long[] strides;
    private final int[] counter;
    private long position;
    private long remaining;

    public StridedIndex(Layout layout) {
        this.dims = layout.shape().dims();
        this.strides = layout.strides();
        this.counter = new int[dims.length];
        this.position = layout.offset();
        this.remaining = layout.numel();
    }

    public boolean hasNext() { return remaining > 0; }

    /** The storage index of the next element. */
    public long next() {
        long at = position;
        remaining--;
        for (int i = dims.length - 1; i >= 0; i--) {
            if (++counter[i] < dims[i]) {
                position += strides[i];
                return at;
            }
            position -= (long) (dims[i] - 1) * strides[i];
            counter[i] = 0;
        }
        return at;
    }
}
