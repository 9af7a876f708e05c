package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One AdamW step on F32 working arrays (Loshchilov and Hutter, "Decoupled Weight Decay
 * Regularization", 2019): m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 * p -= lr * (m / c1 / (sqrt(v / c2) + eps) + wd * p), with c1 = 1 - b1^step and c2 = 1 - b2^step.
 */
public final class AdamW {
    private AdamW() { }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** The per-step constants, computed once in double. */
    public record Step(float lr, float beta1, float beta2, float eps, float weightDecay, float inverseCorrection1,
                       float inverseCorrection2) {
        public static Step of(float lr, float beta1, float beta2, float eps, float weightDecay, long step) {
            double c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
            return new Step(lr, beta1, beta2, eps, weightDecay, (float) (1 / c1), (float) (1 / c2));
        }
    }

    public static void update(float[] p, float[] g, float[] m, float[] v, Step k, int n) {
        int i = 0;
        float b1 = k.beta1(), b2 = k.beta2(), a1 = 1 - b1, a2 = 1 - b2;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector vg = FloatVector.fromArray(F, g, i);
            FloatVector vm = FloatVector.fromArray(F, m, i).mul(b1).add(vg.mul(a1));
            FloatVector vv = FloatVector.fromArray(F, v, i).mul(b2).add(vg.mul(vg).mul(a2));
            vm.intoArray(m, i);
            vv.intoArray(v, i);
            FloatVector denom = vv.mul(k.inverseCorrection2()).sqrt().add(k.eps());
            FloatVector vp = FloatVector.fromArray(F, p, i);
            FloatVector delta = vm.mul(k.inverseCorrection1()).div(denom).add(vp.mul(k.weightDecay()));
            vp.sub(delta.mul(k.lr())).intoArray(p, i);
        }
        for (; i < n; i++) {
            m[i] = b1 * m[i] + a1 * g[i];
            v[i] = b2 * v[i] + a2 * g[i] * g[i];
            float denom = (float) Math.sqrt(v[i] * k.inverseCorrection2()) + k.eps();
            p[i] -= k.lr() * (m[i] * k.inverseCorrection1() / denom + k.weightDecay() * p[i]);
        }
    }
}
