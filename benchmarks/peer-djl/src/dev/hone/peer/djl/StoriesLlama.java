package dev.hone.peer.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.Loss;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The llama2.c Llama architecture written with DJL NDArray ops (PyTorch eager autograd), sized from a
 * llama2.c checkpoint's 7-int header (stories260K: dim 64, hidden 172, 5 layers, 8 heads, 4 kv heads,
 * vocab 512, tied embedding since the vocab field is positive): token embedding, per layer RMSNorm →
 * q/k/v → interleaved-pair RoPE (theta 10000) → causal attention with kv heads repeated → o → residual
 * → RMSNorm → silu(gate)·up → down → residual, final RMSNorm, logits through the embedding, mean
 * cross-entropy. Base weights are random N(0, 0.02) of the checkpoint's shapes and frozen; LoRA r=16,
 * alpha=32 (scale 2) on all seven linears of every layer trains, as Hone's StoriesLoraStep. One step is
 * forward and backward on B=8 x T=256 seeded random tokens, no optimizer update.
 */
final class StoriesLlama {
    private static final int BATCH = 8, TOKENS = 256, RANK = 16;
    private static final float SCALE = 32f / RANK, EPS = 1e-5f;

    private final NDManager m;
    private final int dim, hidden, layers, heads, kvHeads, vocab, headDim;
    private final NDArray embedding, finalNorm, ids, labels, cos, sin, mask;
    private final NDArray[] attnNorm, ffnNorm;
    private final NDArray[][] base, loraA, loraB; // per layer: q, k, v, o, gate, up, down; weights [in, out]

    StoriesLlama(NDManager m, Path checkpoint) throws IOException {
        this.m = m;
        int[] header = header(checkpoint);
        dim = header[0];
        hidden = header[1];
        layers = header[2];
        heads = header[3];
        kvHeads = header[4];
        vocab = Math.abs(header[5]);
        headDim = dim / heads;
        int kvDim = kvHeads * headDim;
        embedding = DjlSteps.rand(m, vocab, dim);
        finalNorm = m.ones(new Shape(dim));
        attnNorm = new NDArray[layers];
        ffnNorm = new NDArray[layers];
        base = new NDArray[layers][7];
        loraA = new NDArray[layers][7];
        loraB = new NDArray[layers][7];
        int[][] inOut = {{dim, dim}, {dim, kvDim}, {dim, kvDim}, {dim, dim}, {dim, hidden}, {dim, hidden}, {hidden, dim}};
        for (int l = 0; l < layers; l++) {
            attnNorm[l] = m.ones(new Shape(dim));
            ffnNorm[l] = m.ones(new Shape(dim));
            for (int i = 0; i < 7; i++) {
                base[l][i] = DjlSteps.rand(m, inOut[i][0], inOut[i][1]);
                loraA[l][i] = DjlSteps.rand(m, inOut[i][0], RANK);
                loraB[l][i] = DjlSteps.rand(m, RANK, inOut[i][1]);
                loraA[l][i].setRequiresGradient(true);
                loraB[l][i].setRequiresGradient(true);
            }
        }
        SplittableRandom random = new SplittableRandom(5);
        long[] tokenIds = new long[BATCH * TOKENS];
        float[] next = new float[BATCH * TOKENS];
        for (int i = 0; i < tokenIds.length; i++) {
            tokenIds[i] = random.nextInt(vocab);
            next[i] = random.nextInt(vocab);
        }
        ids = m.create(tokenIds, new Shape(BATCH, TOKENS));
        labels = m.create(next, new Shape(BATCH * TOKENS));
        float[] c = new float[TOKENS * headDim / 2], s = new float[c.length];
        for (int t = 0; t < TOKENS; t++) {
            for (int i = 0; i < headDim / 2; i++) {
                double angle = t * Math.pow(10000, -2.0 * i / headDim);
                c[t * headDim / 2 + i] = (float) Math.cos(angle);
                s[t * headDim / 2 + i] = (float) Math.sin(angle);
            }
        }
        cos = m.create(c, new Shape(1, TOKENS, 1, headDim / 2));
        sin = m.create(s, new Shape(1, TOKENS, 1, headDim / 2));
        float[] mk = new float[TOKENS * TOKENS];
        for (int i = 0; i < TOKENS; i++) for (int j = i + 1; j < TOKENS; j++) mk[i * TOKENS + j] = -1e9f;
        mask = m.create(mk, new Shape(TOKENS, TOKENS));
    }

    private static int[] header(Path checkpoint) throws IOException {
        try (InputStream in = Files.newInputStream(checkpoint)) {
            ByteBuffer b = ByteBuffer.wrap(new DataInputStream(in).readNBytes(28)).order(ByteOrder.LITTLE_ENDIAN);
            int[] h = new int[7];
            for (int i = 0; i < 7; i++) h[i] = b.getInt();
            return h;
        }
    }

    void step() {
        try (NDManager it = m.newSubManager();
             GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray x = embedding.get(ids).reshape(BATCH * TOKENS, dim);              // [BT, d]
            x.tempAttach(it);
            for (int l = 0; l < layers; l++) {
                NDArray h = rmsNorm(x, attnNorm[l]);
                NDArray q = rope(lin(h, l, 0).reshape(BATCH, TOKENS, heads, headDim));
                NDArray k = rope(lin(h, l, 1).reshape(BATCH, TOKENS, kvHeads, headDim));
                NDArray v = lin(h, l, 2).reshape(BATCH, TOKENS, kvHeads, headDim);
                int rep = heads / kvHeads;
                q = q.transpose(0, 2, 1, 3);                                             // [B, H, T, hd]
                k = k.repeat(2, rep).transpose(0, 2, 1, 3);
                v = v.repeat(2, rep).transpose(0, 2, 1, 3);
                NDArray att = q.matMul(k.transpose(0, 1, 3, 2)).mul(1f / (float) Math.sqrt(headDim)).add(mask).softmax(-1);
                NDArray y = att.matMul(v).transpose(0, 2, 1, 3).reshape(BATCH * TOKENS, dim);
                x = x.add(lin(y, l, 3));
                NDArray f = rmsNorm(x, ffnNorm[l]);
                NDArray gate = lin(f, l, 4);
                x = x.add(lin(gate.mul(gate.getNDArrayInternal().sigmoid()).mul(lin(f, l, 5)), l, 6));
            }
            NDArray logits = rmsNorm(x, finalNorm).matMul(embedding.transpose());        // [BT, V]
            NDArray loss = Loss.softmaxCrossEntropyLoss().evaluate(new NDList(labels), new NDList(logits));
            gc.backward(loss);
        }
    }

    private NDArray lin(NDArray x, int layer, int i) {
        return x.matMul(base[layer][i]).add(x.matMul(loraA[layer][i]).matMul(loraB[layer][i]).mul(SCALE));
    }

    private static NDArray rmsNorm(NDArray x, NDArray weight) {
        return x.div(x.square().mean(new int[] {-1}, true).add(EPS).sqrt()).mul(weight);
    }

    /** Rotates interleaved pairs (2i, 2i+1) of the last axis of x [B, T, H, hd]. */
    private NDArray rope(NDArray x) {
        Shape s = x.getShape();
        NDArray pairs = x.reshape(s.get(0), s.get(1), s.get(2), headDim / 2, 2);
        NDArray re = pairs.get("..., 0"), im = pairs.get("..., 1");
        NDArray outRe = re.mul(cos).sub(im.mul(sin)), outIm = re.mul(sin).add(im.mul(cos));
        return outRe.stack(outIm, -1).reshape(s);
    }

}
