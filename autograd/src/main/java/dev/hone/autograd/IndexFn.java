package dev.hone.autograd;

import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;

/**
 * Row lookup (embedding): y[..., :] = table[index[...], :] for a table [V, D] and an integer index of
 * any shape, giving index.shape + [D]. Gradient: dy's rows added into zeros of the table's shape at
 * the indexed rows ({@link Ops#indexAdd}), so repeated indices accumulate. The index gets no gradient.
 */
public enum IndexFn implements DiffOp {
    INDEX_SELECT;

    @Override
    public String opName() { return "index_select"; }

    public Tensor apply(Tensor table, Tensor index) {
        if (table.rank() != 2) throw new IllegalArgumentException("index_select: table must be [V, D], got " + table.shape());
        Tape.Recording rec = Tape.track(this, table);
        int width = table.dim(1);
        Tensor flatIndex = index.reshape(-1);                   // [N]
        Tensor rows = Ops.indexSelect(table, flatIndex);        // [N, D]
        int[] outDims = new int[index.rank() + 1];
        System.arraycopy(index.shape().dims(), 0, outDims, 0, index.rank());
        outDims[index.rank()] = width;
        Tensor y = rows.reshape(outDims);                       // index.shape + [D]
        return rec.record(y, dy -> {
            Tensor dTable = Tensor.zeros(table.dtype(), table.shape().dims());
            Ops.indexAdd(dTable, flatIndex, dy.reshape(-1, width));
            return new Tensor[] {dTable};
        });
    }
}
