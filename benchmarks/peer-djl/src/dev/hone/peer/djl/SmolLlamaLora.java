package dev.hone.peer.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.Loss;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A SmolLM-135M-shaped Llama with LoRA, written with DJL NDArray ops (PyTorch eager autograd), for the
 * peak-memory half of benchmarks/run-vs-pytorch.sh; the peer of Hone's
 * dev.hone.benchmarks.peer.QloraPeakMemoryMain. Geometry: hidden 576, 30 layers, 9 query / 3 key-value
 * heads of 64, SwiGLU 1536, vocab 49152, tied embeddings (the output head is the embedding), rotate-half
 * RoPE (theta 10000), RMSNorm eps 1e-5. The base (embedding, norms, the seven projections of every
 * layer, weights stored [in, out]) is F32, random N(0, 0.02) (the engine's seed) and frozen; LoRA r=16, alpha 32 (scale 2)
 * on all seven projections trains, A random and B zero as PEFT initialises them. One step is what a
 * transformers + PEFT LoRA step computes with eager attention: forward on B=1 x T=512 seeded random
 * tokens, mean cross-entropy against seeded random targets, backward, and torch.optim.AdamW's
 * single-tensor update written with in-place NDArray ops outside autograd (lr 1e-4, betas 0.9/0.999, eps
 * 1e-8, weight decay 0.01: torch's defaults) on the adapters, whose moments live beside them.
 *
 * <p>Two ways it keeps more than transformers would: attention materialises the T x T probabilities
 * per layer (transformers' "eager" attention; its default SDPA kernel does not keep them), and SiLU is
 * gate * sigmoid(gate) (DJL has no fused SiLU, so the sigmoid output is saved as well).
 */
final class SmolLlamaLora {
    static final int DIM = 576, HIDDEN = 1536, LAYERS = 30, HEADS = 9, KV_HEADS = 3, VOCAB = 49152, HEAD_DIM = DIM / HEADS;
    static final int BATCH = 1, TOKENS = 512, RANK = 16;
    private static final float SCALE = 32f / RANK, EPS = 1e-5f;
    private static final int PROJECTIONS = 7; // q, k, v, o, gate, up, down
    private static final float LR = 1e-4f, BETA1 = 0.9f, BETA2 = 0.999f, ADAM_EPS = 1e-8f, WEIGHT_DECAY = 0.01f;

    private final NDManager m;
    private final NDArray embedding, finalNorm, ids, labels, cos, sin, mask;
    private final NDArray[] attnNorm = new NDArray[LAYERS], ffnNorm = new NDArray[LAYERS];
    private final NDArray[][] base = new NDArray[LAYERS][PROJECTIONS], loraA = new NDArray[LAYERS][PROJECTIONS],
            loraB = new NDArray[LAYERS][PROJECTIONS];
    private final NDArray[][] firstMoment = new NDArray[LAYERS][2 * PROJECTIONS], secondMoment = new NDArray[LAYERS][2 * PROJECTIONS];
    private int updates;

    SmolLlamaLora(NDManager m) {
        this.m = m;
        int kvDim = KV_HEADS * HEAD_DIM;
        embedding = DjlSteps.rand(m, VOCAB, DIM);
        finalNorm = m.ones(new Shape(DIM));
        int[][] inOut = {{DIM, DIM}, {DIM, kvDim}, {DIM, kvDim}, {DIM, DIM}, {DIM, HIDDEN}, {DIM, HIDDEN}, {HIDDEN, DIM}};
        for (int l = 0; l < LAYERS; l++) {
            attnNorm[l] = m.ones(new Shape(DIM));
            ffnNorm[l] = m.ones(new Shape(DIM));
            for (int i = 0; i < PROJECTIONS; i++) {
                base[l][i] = DjlSteps.rand(m, inOut[i][0], inOut[i][1]);
                loraA[l][i] = DjlSteps.rand(m, inOut[i][0], RANK);
                loraB[l][i] = m.zeros(new Shape(RANK, inOut[i][1]));
                loraA[l][i].setRequiresGradient(true);
                loraB[l][i].setRequiresGradient(true);
            }
        }
        SplittableRandom random = new SplittableRandom(5);
        long[] tokenIds = new long[BATCH * TOKENS];
        float[] next = new float[BATCH * TOKENS];
        for (int i = 0; i < tokenIds.length; i++) {
            tokenIds[i] = random.nextInt(VOCAB);
            next[i] = random.nextInt(VOCAB);
        }
        ids = m.create(tokenIds, new Shape(BATCH, TOKENS));
        labels = m.create(next, new Shape(BATCH * TOKENS));
        float[] c = new float[TOKENS * HEAD_DIM], s = new float[c.length];
        for (int t = 0; t < TOKENS; t++) {
            for (int i = 0; i < HEAD_DIM; i++) {
                double angle = t * Math.pow(10000, -2.0 * (i % (HEAD_DIM / 2)) / HEAD_DIM);
                c[t * HEAD_DIM + i] = (float) Math.cos(angle);
                s[t * HEAD_DIM + i] = (float) Math.sin(angle);
            }
        }
        cos = m.create(c, new Shape(1, TOKENS, 1, HEAD_DIM));
        sin = m.create(s, new Shape(1, TOKENS, 1, HEAD_DIM));
        float[] mk = new float[TOKENS * TOKENS];
        for (int i = 0; i < TOKENS; i++) for (int j = i + 1; j < TOKENS; j++) mk[i * TOKENS + j] = Float.NEGATIVE_INFINITY;
        mask = m.create(mk, new Shape(TOKENS, TOKENS));
    }

    /** Trainable (adapter) parameter count, for the run's comment line. */
    long trainableCount() {
        long n = 0;
        for (int l = 0; l < LAYERS; l++) for (int i = 0; i < PROJECTIONS; i++) n += loraA[l][i].size() + loraB[l][i].size();
        return n;
    }

    /**
     * What this step keeps for backward beyond a transformers + PEFT step with its default SDPA attention
     * and F.silu: the T x T softmax output of every layer and the sigmoid output of every layer's SwiGLU.
     */
    String keptBeyondTransformers() {
        long probs = 4L * BATCH * HEADS * TOKENS * TOKENS * LAYERS, sigmoid = 4L * BATCH * TOKENS * HIDDEN * LAYERS;
        return String.format(Locale.ROOT, "eager attention probabilities %.0f MiB + SiLU's sigmoid output %.0f MiB",
                probs / 1048576.0, sigmoid / 1048576.0);
    }

    /** Frozen base bytes (F32). */
    long baseBytes() {
        long n = embedding.size() + finalNorm.size();
        for (int l = 0; l < LAYERS; l++) {
            n += attnNorm[l].size() + ffnNorm[l].size();
            for (int i = 0; i < PROJECTIONS; i++) n += base[l][i].size();
        }
        return 4 * n;
    }

    /** Forward, loss, backward, AdamW update of the adapters, gradients cleared; returns the loss. */
    float step() {
        float loss;
        try (NDManager it = m.newSubManager()) {
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray gathered = embedding.get(ids);                                     // [B, T, d]
                gathered.attach(it);
                NDArray x = gathered.reshape(BATCH * TOKENS, DIM);                         // [BT, d]
                gathered.close();
                for (int l = 0; l < LAYERS; l++) {
                    NDArray next = layer(x, l);
                    x.close();
                    x = next;
                }
                NDArray head = embedding.transpose();                                      // [d, V], a view
                head.attach(it);
                NDArray normed = rmsNorm(x, finalNorm);
                x.close();
                NDArray logits = normed.matMul(head);                                      // [BT, V]
                normed.close();
                NDArray l = Loss.softmaxCrossEntropyLoss().evaluate(new NDList(labels), new NDList(logits));
                logits.close();
                gc.backward(l);
                loss = l.getFloat();
            }
            updates++;
            for (int l = 0; l < LAYERS; l++) {
                for (int i = 0; i < PROJECTIONS; i++) {
                    update(loraA[l][i], l, 2 * i);
                    update(loraB[l][i], l, 2 * i + 1);
                }
            }
        }
        return loss;
    }

    /**
     * torch.optim.AdamW for one tensor (decoupled weight decay, bias-corrected moments), in place, then
     * the gradient zeroed (the next backward accumulates into it).
     */
    private void update(NDArray weight, int layer, int slot) {
        if (firstMoment[layer][slot] == null) {
            firstMoment[layer][slot] = weight.zerosLike();
            secondMoment[layer][slot] = weight.zerosLike();
        }
        NDArray m1 = firstMoment[layer][slot], m2 = secondMoment[layer][slot];
        try (NDArray grad = weight.getGradient()) {
            try (NDArray scaled = grad.mul(1 - BETA1)) { m1.muli(BETA1).addi(scaled); }
            try (NDArray squared = grad.square()) { m2.muli(BETA2).addi(squared.muli(1 - BETA2)); }
            weight.muli(1 - LR * WEIGHT_DECAY);
            double correction1 = 1 - Math.pow(BETA1, updates), correction2 = 1 - Math.pow(BETA2, updates);
            try (NDArray denominator = m2.sqrt(); NDArray step = m1.div(denominator.divi((float) Math.sqrt(correction2)).addi(ADAM_EPS))) {
                weight.subi(step.muli((float) (LR / correction1)));
            }
            grad.subi(grad);
        }
    }

    /**
     * One decoder layer on x [BT, d] (x stays open; the caller owns it). Every intermediate handle is
     * closed as soon as nothing later reads it, as Python drops a temporary when its last reference goes:
     * what autograd saved for backward stays alive inside the graph, the rest is freed at once (DJL would
     * otherwise hold every intermediate until the step's manager closes).
     */
    private NDArray layer(NDArray x, int l) {
        NDArray h = rmsNorm(x, attnNorm[l]);
        NDArray q = heads(rope(reshaped(lin(h, l, 0), HEADS)), 1);                                  // [B, H, T, hd]
        NDArray k = heads(rope(reshaped(lin(h, l, 1), KV_HEADS)), HEADS / KV_HEADS);                // [B, H, T, hd]
        NDArray v = heads(reshaped(lin(h, l, 2), KV_HEADS), HEADS / KV_HEADS);                      // [B, H, T, hd]
        h.close();
        NDArray kt = consume(k, k.transpose(0, 1, 3, 2));
        NDArray scores = q.matMul(kt);                                                              // [B, H, T, T]
        q.close();
        kt.close();
        NDArray probs = consume(scores, scores.mul(1f / (float) Math.sqrt(HEAD_DIM)));
        probs = consume(probs, probs.add(mask));
        probs = consume(probs, probs.softmax(-1));
        NDArray attended = probs.matMul(v);                                                          // [B, H, T, hd]
        probs.close();
        v.close();
        NDArray y = consume(attended, attended.transpose(0, 2, 1, 3));
        y = consume(y, y.reshape(BATCH * TOKENS, DIM));                                              // [BT, d]
        NDArray o = consume(y, lin(y, l, 3));
        NDArray x1 = consume(o, x.add(o));
        NDArray f = rmsNorm(x1, ffnNorm[l]);
        NDArray gate = lin(f, l, 4);                                                                 // [BT, hidden]
        NDArray up = consume(f, lin(f, l, 5));
        NDArray sig = gate.getNDArrayInternal().sigmoid();
        NDArray act = consume(sig, gate.mul(sig));
        gate.close();
        act = consume(act, act.mul(up));
        up.close();
        NDArray down = consume(act, lin(act, l, 6));
        NDArray out = consume(down, x1.add(down));
        x1.close();
        return out;
    }

    /** Closes {@code used} (when not null) and returns {@code result}: the idiom for dropping a temporary. */
    private static NDArray consume(NDArray used, NDArray result) {
        if (used != null && used != result) used.close();
        return result;
    }

    /** [BT, heads·hd] -> [B, T, heads, hd]. */
    private static NDArray reshaped(NDArray z, int heads) { return consume(z, z.reshape(BATCH, TOKENS, heads, HEAD_DIM)); }

    /** [B, T, h, hd] -> [B, h·repeat, T, hd], the key/value heads repeated as transformers' repeat_kv does. */
    private static NDArray heads(NDArray z, int repeat) {
        NDArray r = repeat == 1 ? z : consume(z, z.repeat(2, repeat));
        return consume(r, r.transpose(0, 2, 1, 3));
    }

    /** PEFT's LoRA linear: x·W + scale·(x·A)·B (x stays open). */
    private NDArray lin(NDArray x, int layer, int i) {
        NDArray y = x.matMul(base[layer][i]);
        NDArray low = x.matMul(loraA[layer][i]);
        low = consume(low, low.matMul(loraB[layer][i]));
        low = consume(low, low.mul(SCALE));
        NDArray out = consume(y, y.add(low));
        low.close();
        return out;
    }

    /** transformers' LlamaRMSNorm: weight · x / sqrt(mean(x²) + eps) (x stays open). */
    private static NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray r = x.square();
        r = consume(r, r.mean(new int[] {-1}, true));
        r = consume(r, r.add(EPS));
        r = consume(r, r.pow(-0.5f));
        NDArray normed = consume(r, x.mul(r));
        return consume(normed, normed.mul(weight));
    }

    /** Rotate-half RoPE of x [B, T, H, hd], consumed: x·cos + rotate_half(x)·sin, rotate_half = cat(-x2, x1). */
    private NDArray rope(NDArray x) {
        NDList halves = x.split(2, 3);
        NDArray negated = halves.get(1).neg();
        NDArray rotated = consume(negated, negated.concat(halves.get(0), 3));
        halves.close();
        rotated = consume(rotated, rotated.mul(sin));
        NDArray out = consume(x, x.mul(cos));
        NDArray sum = consume(out, out.add(rotated));
        rotated.close();
        return sum;
    }
}
