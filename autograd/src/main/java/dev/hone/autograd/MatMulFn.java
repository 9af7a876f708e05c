package dev.hone.autograd;

import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;

/**
 * Batched matrix product y = a @ b with a [..., M, K], b [..., K, N] and broadcast batch axes; both
 * operands have rank 2 or more. Gradients: da = dy @ b^T, db = a^T @ dy, each reduced over broadcast
 * batch axes with {@link Ops#sumTo}. When b is a plain matrix shared by a batch (the linear-layer
 * case), db is one [K, M*batch] @ [M*batch, N] product instead of a batch of products summed afterwards.
 */
public enum MatMulFn implements DiffOp {
    MATMUL;

    @Override
    public String opName() { return "matmul"; }

    public Tensor apply(Tensor a, Tensor b) {
        if (a.rank() < 2 || b.rank() < 2) {
            throw new IllegalArgumentException("matmul: operands need rank >= 2, got " + a.shape() + " and " + b.shape());
        }
        Tape.Recording rec = Tape.track(this, a, b);
        Tensor y = Ops.matmul(a, b);
        return rec.record(y, dy -> new Tensor[] {
                rec.needs(0) ? Ops.sumTo(Ops.matmul(dy, b.mT()), a.shape()) : null,
                rec.needs(1) ? gradientOfRight(a, b, dy) : null});
    }

    private static Tensor gradientOfRight(Tensor a, Tensor b, Tensor dy) {
        if (b.rank() == 2 && a.rank() > 2) {
            int k = a.dim(-1), n = dy.dim(-1);
            Tensor aRows = a.reshape(-1, k);   // [batch*M, K]
            Tensor dyRows = dy.reshape(-1, n); // [batch*M, N]
            return Ops.matmul(aRows.mT(), dyRows);
        }
        return Ops.sumTo(Ops.matmul(a.mT(), dy), b.shape());
    }
}
