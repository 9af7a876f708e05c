package dev.hone.transformer.model;

import dev.hone.tensor.Tensor;

/**
 * The cos/sin tables of rotary position embedding (Su et al. 2021, RoFormer): for position p and pair j
 * of a head of dimension D, angle = p * invFreq[j] with invFreq[j] = scaling(theta^(-2j/D)), as Hugging
 * Face's {@code LlamaRotaryEmbedding} and llama2.c's run.c compute it. Angles are computed in double and
 * rounded to F32 once, so the tables do not depend on the RoPE layout (HALF or INTERLEAVED pairs); the
 * layout is the fused kernel's business.
 *
 * @param cos [maxPositions, D/2] F32
 * @param sin [maxPositions, D/2] F32
 */
public record RopeTables(Tensor cos, Tensor sin) {

    /** Tables for every position of {@code config} in the current scope. */
    public static RopeTables of(LlamaConfig config) {
        int half = config.headDim() / 2;
        int positions = config.maxPositionEmbeddings();
        double[] inverseFrequency = inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling());
        float[] cos = new float[positions * half];
        float[] sin = new float[positions * half];
        for (int p = 0; p < positions; p++) {
            for (int j = 0; j < half; j++) {
                double angle = p * inverseFrequency[j];
                cos[p * half + j] = (float) Math.cos(angle);
                sin[p * half + j] = (float) Math.sin(angle);
            }
        }
        return new RopeTables(Tensor.of(cos, positions, half), Tensor.of(sin, positions, half)); // [P, D/2] each
    }

    /** invFreq[j] = scaling(theta^(-2j / headDim)) for j in [0, headDim/2). */
    public static double[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        double[] out = new double[headDim / 2];
        for (int j = 0; j < out.length; j++) out[j] = scaling.scale(Math.pow(theta, -2.0 * j / headDim));
        return out;
    }
}
