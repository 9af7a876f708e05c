package dev.hone.autograd.optim;

import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;

import java.util.Map;

/**
 * Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_: the L2 norm of all gradients taken
 * together; when it exceeds maxNorm every gradient is scaled by maxNorm / (norm + 1e-6). Returns the
 * norm before clipping. A NaN or infinite norm is an error naming the step and the first parameter
 * with a non-finite gradient, instead of silently corrupting the weights.
 */
public final class GradientClipping {
    private GradientClipping() { }

    /** Clips the gradients of {@code named} (dotted paths, as {@code Module.namedParameters()}) in place; returns the pre-clip norm. */
    public static double clipGradNorm(Map<String, Parameter> named, double maxNorm, long step) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("clipGradNorm: maxNorm must be > 0, got " + maxNorm);
        Scope scope = Scope.open();
        try {
            Tensor total = null;
            for (Parameter p : named.values()) {
                if (p.grad() == null) continue;
                Tensor squares = Ops.sum(Ops.square(Ops.cast(p.grad(), DType.F32)), false);
                total = total == null ? squares : Ops.add(total, squares);
            }
            if (total == null) return 0;
            double norm = Math.sqrt(total.item());
            if (!Double.isFinite(norm)) {
                throw new IllegalStateException("clipGradNorm at step " + step + ": gradient norm is " + norm + "; first non-finite gradient: "
                        + firstNonFinite(named));
            }
            double scale = maxNorm / (norm + 1e-6);
            if (scale < 1) {
                for (Parameter p : named.values()) {
                    if (p.grad() != null) Ops.copyInto(Ops.mul(p.grad(), scale), p.grad());
                }
            }
            return norm;
        } finally {
            scope.close();
        }
    }

    private static String firstNonFinite(Map<String, Parameter> named) {
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            Tensor g = e.getValue().grad();
            if (g == null) continue;
            double s = Ops.sum(Ops.square(Ops.cast(g, DType.F32)), false).item();
            if (!Double.isFinite(s)) return "'" + e.getKey() + "' " + g.shape();
        }
        return "none (the sum of squares overflowed)";
    }
}
