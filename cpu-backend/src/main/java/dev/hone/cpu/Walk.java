package dev.hone.cpu;

import dev.hone.tensor.Layout;

import java.util.ArrayList;
import java.util.List;

/**
 * A joint row-major walk over several same-shape strided views (operands of one elementwise op),
 * with axes merged wherever every operand stays linear across them, so a contiguous or broadcast
 * tensor becomes one long row. The walk is {@code rows} rows of {@code cols} elements; operand k's
 * elements in a row are {@code colStride(k)} apart (0 for a broadcast operand).
 */
final class Walk {
    final long rows;
    final long cols;
    private final long[] colStrides;
    private final int[] outerDims;
    private final long[][] outerStrides;
    private final long[] offsets;

    private Walk(long rows, long cols, long[] colStrides, int[] outerDims, long[][] outerStrides, long[] offsets) {
        this.rows = rows;
        this.cols = cols;
        this.colStrides = colStrides;
        this.outerDims = outerDims;
        this.outerStrides = outerStrides;
        this.offsets = offsets;
    }

    /** Merges the axes of {@code layouts} (all of one shape). */
    static Walk of(Layout... layouts) {
        int k = layouts.length;
        int[] dims = layouts[0].shape().dims();
        long[][] strides = new long[k][];
        for (int j = 0; j < k; j++) strides[j] = layouts[j].strides();
        List<long[]> groups = new ArrayList<>(); // innermost first: {dim, stride_0..stride_{k-1}}
        for (int i = dims.length - 1; i >= 0; i--) {
            if (dims[i] == 1) continue;
            long[] g = groups.isEmpty() ? null : groups.getLast();
            if (g != null && mergeable(g, strides, i)) {
                g[0] *= dims[i];
                continue;
            }
            long[] ng = new long[k + 1];
            ng[0] = dims[i];
            for (int j = 0; j < k; j++) ng[j + 1] = strides[j][i];
            groups.add(ng);
        }
        long[] offsets = new long[k];
        for (int j = 0; j < k; j++) offsets[j] = layouts[j].offset();
        long[] colStrides = new long[k];
        if (groups.isEmpty()) return new Walk(layouts[0].numel() == 0 ? 0 : 1, 1, colStrides, new int[0], new long[k][0], offsets);
        long[] inner = groups.getFirst();
        for (int j = 0; j < k; j++) colStrides[j] = inner[j + 1];
        int outer = groups.size() - 1;
        int[] outerDims = new int[outer];
        long[][] outerStrides = new long[k][outer];
        long rows = 1;
        for (int a = 0; a < outer; a++) {
            long[] g = groups.get(outer - a); // outermost first
            outerDims[a] = Math.toIntExact(g[0]);
            rows *= g[0];
            for (int j = 0; j < k; j++) outerStrides[j][a] = g[j + 1];
        }
        return new Walk(rows, inner[0], colStrides, outerDims, outerStrides, offsets);
    }

    private static boolean mergeable(long[] group, long[][] strides, int axis) {
        for (int j = 0; j < strides.length; j++) {
            if (strides[j][axis] != group[j + 1] * group[0]) return false;
        }
        return true;
    }

    long colStride(int operand) { return colStrides[operand]; }

    /** Element index of operand 0's i-th element in row-major order (for walks of one view). */
    long flatIndex(long i) { return start(0, i / cols, i % cols); }

    /** Element index of operand k's element at (row, col). */
    long start(int operand, long row, long col) {
        long at = offsets[operand] + col * colStrides[operand];
        long[] s = outerStrides[operand];
        int axes = outerDims.length;
        if (axes == 0) return at;
        if (axes == 1) return at + row * s[0];
        if (row <= Integer.MAX_VALUE) {                     // 32-bit division is several times cheaper
            int rest = (int) row;
            for (int i = axes - 1; i >= 0; i--) {
                at += (rest % outerDims[i]) * s[i];
                rest /= outerDims[i];
            }
            return at;
        }
        for (int i = axes - 1; i >= 0; i--) {
            at += (row % outerDims[i]) * s[i];
            row /= outerDims[i];
        }
        return at;
    }
}
