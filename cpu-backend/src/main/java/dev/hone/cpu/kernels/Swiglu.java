package dev.hone.cpu.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * SwiGLU gate kernels (Shazeer, "GLU Variants Improve Transformer", 2020): y = silu(g) * u with
 * silu(g) = g * sigmoid(g). Backward: du = dy * silu(g); dg = dy * u * sigmoid(g) * (1 + g * (1 - sigmoid(g))).
 */
public final class Swiglu {
    private Swiglu() { }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    public static void forward(float[] g, float[] u, float[] y, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector vg = FloatVector.fromArray(F, g, i);
            FloatVector sig = FloatVector.broadcast(F, 1f).div(VectorExp.exp(vg.neg()).add(1f));
            vg.mul(sig).mul(FloatVector.fromArray(F, u, i)).intoArray(y, i);
        }
        for (; i < n; i++) y[i] = g[i] / (1f + (float) Math.exp(-g[i])) * u[i];
    }

    public static void backward(float[] g, float[] u, float[] dy, float[] dg, float[] du, int n) {
        int i = 0;
        for (int upper = F.loopBound(n); i < upper; i += F.length()) {
            FloatVector vg = FloatVector.fromArray(F, g, i);
            FloatVector sig = FloatVector.broadcast(F, 1f).div(VectorExp.exp(vg.neg()).add(1f));
            FloatVector vdy = FloatVector.fromArray(F, dy, i);
            vdy.mul(vg).mul(sig).intoArray(du, i);
            FloatVector slope = sig.neg().add(1f).mul(vg).add(1f).mul(sig);
            vdy.mul(FloatVector.fromArray(F, u, i)).mul(slope).intoArray(dg, i);
        }
        for (; i < n; i++) {
            float sig = 1f / (1f + (float) Math.exp(-g[i]));
            du[i] = dy[i] * g[i] * sig;
            dg[i] = dy[i] * u[i] * sig * (1f + g[i] * (1f - sig));
        }
    }
}
