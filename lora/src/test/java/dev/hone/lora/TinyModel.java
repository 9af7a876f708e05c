package dev.hone.lora;

import dev.hone.autograd.Diff;
import dev.hone.autograd.nn.Linear;
import dev.hone.autograd.nn.LinearLayer;
import dev.hone.autograd.nn.Module;
import dev.hone.autograd.nn.ModuleList;
import dev.hone.tensor.DType;
import dev.hone.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A small model with Hugging Face Llama module paths for LoRA tests: model.layers.{i}.self_attn.{q,v}_proj
 * [d, d], model.layers.{i}.mlp.up_proj [h, d] with bias, mlp.down_proj [d, h], and lm_head [v, d].
 * Projections are read through {@link Module#child} at forward time so LoRA wrappers take effect.
 * y = lm_head(x + down(tanh(up(x + v(q(x)))))) per layer: [N, d] -> [N, v].
 */
final class TinyModel extends Module {
    static final int DIM = 6, HIDDEN = 10, VOCAB = 5;

    static final class Attention extends Module {
        Attention(DType dtype, long seed) {
            register("q_proj", new Linear(DIM, DIM, Linear.Bias.NO_BIAS, dtype, seed));
            register("v_proj", new Linear(DIM, DIM, Linear.Bias.NO_BIAS, dtype, seed + 2));
        }
    }

    static final class Mlp extends Module {
        Mlp(DType dtype, long seed) {
            register("up_proj", new Linear(DIM, HIDDEN, Linear.Bias.WITH_BIAS, dtype, seed + 4));
            register("down_proj", new Linear(HIDDEN, DIM, Linear.Bias.NO_BIAS, dtype, seed + 6));
        }
    }

    static final class Block extends Module {
        Block(DType dtype, long seed) {
            register("self_attn", new Attention(dtype, seed));
            register("mlp", new Mlp(dtype, seed + 10));
        }

        Tensor forward(Tensor x) { // [N, d]
            Module attn = child("self_attn", Module.class), mlp = child("mlp", Module.class);
            Tensor a = Diff.add(x, lin(attn, "v_proj").forward(lin(attn, "q_proj").forward(x)));
            return Diff.add(x, lin(mlp, "down_proj").forward(Diff.tanh(lin(mlp, "up_proj").forward(a))));
        }
    }

    static final class Inner extends Module {
        Inner(DType dtype, int layers, long seed) {
            List<Block> blocks = new ArrayList<>();
            for (int i = 0; i < layers; i++) blocks.add(new Block(dtype, seed + 100L * i));
            register("layers", new ModuleList<>(blocks));
        }
    }

    TinyModel(DType dtype, int layers, long seed) {
        register("model", new Inner(dtype, layers, seed));
        register("lm_head", new Linear(DIM, VOCAB, Linear.Bias.NO_BIAS, dtype, seed + 999));
    }

    @SuppressWarnings("unchecked")
    Tensor forward(Tensor x) {
        ModuleList<Block> layers = child("model", Module.class).child("layers", ModuleList.class);
        Tensor h = x;
        for (Block b : layers.asList()) h = b.forward(h);
        return lin(this, "lm_head").forward(h);
    }

    private static LinearLayer lin(Module parent, String name) { return parent.child(name, LinearLayer.class); }
}
