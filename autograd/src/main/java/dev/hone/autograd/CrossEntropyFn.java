package dev.hone.autograd;

import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.CompareOp;

/**
 * Cross-entropy of logits [N, V] against integer targets [N], through the backend's fused kernel:
 * loss[n] = logsumexp(logits[n]) - logits[n, target[n]], 0 for rows whose target is the ignore index.
 * {@link Reduction#MEAN} divides the sum by the number of non-ignored rows (as torch's
 * F.cross_entropy with ignore_index; NaN when every row is ignored), {@link Reduction#SUM} returns the
 * plain sum (for a trainer that normalises by a token count across micro-batches), {@link Reduction#NONE}
 * the per-row losses. The non-ignored count stays on the device (no host synchronisation).
 * Gradient: dlogits[n] = dloss[n] * (softmax(logits[n]) - onehot(target[n])), 0 for ignored rows.
 */
public enum CrossEntropyFn implements DiffOp {
    CROSS_ENTROPY;

    /** How per-row losses are combined. */
    public enum Reduction { MEAN, SUM, NONE }

    @Override
    public String opName() { return "cross_entropy"; }

    public Tensor apply(Tensor logits, Tensor targets, int ignoreIndex, Reduction reduction) {
        if (logits.rank() != 2 || targets.rank() != 1 || targets.dim(0) != logits.dim(0)) {
            throw new IllegalArgumentException("cross_entropy: logits must be [N, V] and targets [N], got " + logits.shape() + " and " + targets.shape());
        }
        Tape.Recording rec = Tape.track(this, logits);
        int rows = logits.dim(0);
        Tensor z = logits.contiguous();
        Tensor perRow = Tensor.empty(z.dtype(), rows);                              // [N]
        Tensor lse = Tensor.empty(FusedFn.statisticsDType(z), rows);                // [N]
        Ops.fused(z).crossEntropy(z, targets, ignoreIndex, perRow, lse);
        Tensor counted = reduction == Reduction.MEAN ? countNonIgnored(targets, ignoreIndex, z) : null; // []
        Tensor y = switch (reduction) {
            case NONE -> perRow;
            case SUM -> Ops.sum(perRow, false);
            case MEAN -> Ops.div(Ops.sum(perRow, false), counted);
        };
        return rec.record(y, dy -> {
            Tensor dPerRow = switch (reduction) {
                case NONE -> dy.contiguous();
                case SUM -> dy.reshape(1).expand(rows).contiguous();
                case MEAN -> Ops.div(dy, counted).reshape(1).expand(rows).contiguous();
            };
            Tensor dLogits = z.emptyLike();
            Ops.fused(z).crossEntropyBackward(z, targets, ignoreIndex, lse, dPerRow, dLogits);
            return new Tensor[] {dLogits};
        });
    }

    private static Tensor countNonIgnored(Tensor targets, int ignoreIndex, Tensor like) {
        Tensor ignore = Tensor.scalar(targets.dtype(), ignoreIndex);
        return Ops.sum(Ops.cast(Ops.compare(CompareOp.NE, targets, ignore), like.dtype()), false);
    }
}
