package dev.hone.transformer.model;

import dev.hone.autograd.Diff;
import dev.hone.autograd.nn.LinearLayer;
import dev.hone.autograd.nn.Module;
import dev.hone.tensor.Tensor;

/**
 * The SwiGLU feed-forward block (Shazeer 2020): down_proj(silu(gate_proj(x)) * up_proj(x)). Children
 * are Hugging Face's {@code gate_proj, up_proj, down_proj}, read at every call (replaceable by LoRA).
 */
public final class FeedForward extends Module {

    FeedForward(Module gate, Module up, Module down) {
        register("gate_proj", gate);
        register("up_proj", up);
        register("down_proj", down);
    }

    /** x [B, T, D] → [B, T, D]. */
    Tensor forward(Tensor x) {
        Tensor gate = child("gate_proj", LinearLayer.class).forward(x);   // [B, T, F]
        Tensor up = child("up_proj", LinearLayer.class).forward(x);       // [B, T, F]
        return child("down_proj", LinearLayer.class).forward(Diff.swiglu(gate, up)); // [B, T, D]
    }
}
