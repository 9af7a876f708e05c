package dev.hone.autograd;

/**
 * A differentiable operation: every implementation is an enum whose constants are ops, and each
 * constant's forward computation and gradient rule are written side by side in that enum. The set is
 * closed (sealed) so that {@link OpCatalogue} can be checked to hold a float64 gradient-check case for
 * every constant of every permitted enum.
 */
public sealed interface DiffOp permits UnaryFn, BinaryFn, ScalarFn, ReduceFn, MatMulFn, ShapeFn, IndexFn, FusedFn,
        CrossEntropyFn, AttentionFn, DropoutFn, CastFn, Checkpoint.Op,
        FrozenQuantMatmulFn, LowRankLinearFn {

    /** Lower-case name used in error messages and catalogue listings. */
    String opName();
}
