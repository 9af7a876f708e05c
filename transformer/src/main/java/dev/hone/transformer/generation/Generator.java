package dev.hone.transformer.generation;

import dev.hone.autograd.Tape;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.transformer.model.KvCache;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.TokenBatch;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Autoregressive decoding with a {@link KvCache}: the prompt runs through the model in one pass
 * (prefill), then each sampled token is fed back alone. Nothing is recorded on any tape (recording is
 * paused for the whole call), and every step's temporaries live in a scope closed at the end of the step,
 * so the backend's caching allocator serves each step from the previous one's buffers; only the final
 * position's hidden state is projected to logits.
 *
 * <p>Semantics match llama2.c's run.c loop for a prompt of [BOS]: the token sampled after position p is
 * emitted (streamed to the listener) unless it is a stop token, and generation ends after
 * {@code maxNewTokens} tokens or at the end of the model's context.
 */
public final class Generator {
    private final LlamaModel model;

    public Generator(LlamaModel model) { this.model = model; }

    /**
     * Generates after {@code prompt} (non-empty token ids, BOS included if the model expects one) and
     * returns the emitted ids; {@code onToken} receives each one as soon as it is chosen.
     */
    public int[] generate(int[] prompt, GenerationConfig config, IntConsumer onToken) {
        if (prompt.length == 0) throw new IllegalArgumentException("generate: the prompt must hold at least one token (e.g. BOS)");
        int context = model.config().maxPositionEmbeddings();
        if (prompt.length >= context) {
            throw new IllegalArgumentException("generate: prompt of " + prompt.length + " tokens leaves no room in a context of " + context);
        }
        int capacity = Math.min(context, prompt.length + config.maxNewTokens());
        TokenSampler sampler = config.sampling().newSampler();
        int[] out = new int[config.maxNewTokens()];
        int emitted = 0;
        try (Tape paused = Tape.pause(); Scope generation = Scope.open()) {
            KvCache cache = model.newCache(1, capacity);
            float[] logits = step(prompt, cache);
            while (emitted < config.maxNewTokens()) {
                int next = sampler.sample(logits);
                if (config.stopTokens().contains(next)) break;
                out[emitted++] = next;
                onToken.accept(next);
                if (emitted == config.maxNewTokens() || cache.length() >= capacity) break;
                logits = step(new int[] {next}, cache);
            }
        }
        return Arrays.copyOf(out, emitted);
    }

    /** Logits after the last of {@code ids}, which continue the cached sequence. */
    public float[] step(int[] ids, KvCache cache) {
        try (Scope step = Scope.open()) {
            TokenBatch batch = TokenBatch.single(ids, cache.length());
            Tensor hidden = model.hiddenStates(batch, cache);                      // [1, T, D]
            Tensor last = hidden.narrow(1, ids.length - 1, 1);                     // [1, 1, D]
            return model.project(last).toFloatArray();                             // [V]
        }
    }
}
