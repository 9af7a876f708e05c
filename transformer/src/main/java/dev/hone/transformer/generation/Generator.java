package dev.hone.transformer.generation;

import dev.hone.autograd.Tape;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.transformer.model.KvCache;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.TokenBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
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
 *
 * <p>{@link #generateAll} answers many prompts with the same result as {@link #generate} on each, but decodes
 * up to {@code maxBatch} of them together (similar lengths side by side): prompts are left-padded to a common
 * length in a {@link KvCache#leftPadded} cache, positions count from each prompt's own first token, and a
 * sequence that has stopped is fed a filler token until the whole batch is done. Each sequence has its own
 * sampler. (Batched matrix products may round differently from single-row ones, so a near-tie between two
 * logits can rarely resolve differently.)
 */
public final class Generator {
    /** The largest batch {@link #batchWithin} proposes. */
    public static final int MAX_BATCH = 128;

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

    /**
     * How many sequences of up to {@code positions} positions fit a KV cache of {@code cacheBytes} (at least 1,
     * at most {@value #MAX_BATCH}): the batch size for {@link #generateAll} under a memory budget.
     */
    public int batchWithin(long cacheBytes, int positions) {
        var c = model.config();
        long perSequence = 2L * c.numHiddenLayers() * c.numKeyValueHeads() * c.headDim() * positions * model.dtype().byteSize();
        return (int) Math.max(1, Math.min(MAX_BATCH, cacheBytes / Math.max(1, perSequence)));
    }

    /**
     * The emitted ids for each of {@code prompts} (in order), decoding at most {@code maxBatch} sequences at a
     * time; as {@link #generate} on each prompt without a listener.
     */
    public List<int[]> generateAll(List<int[]> prompts, GenerationConfig config, int maxBatch) {
        if (maxBatch <= 0) throw new IllegalArgumentException("generateAll: maxBatch " + maxBatch + " must be positive");
        int context = model.config().maxPositionEmbeddings();
        for (int[] p : prompts) {
            if (p.length == 0 || p.length >= context) {
                throw new IllegalArgumentException("generateAll: every prompt needs 1 to " + (context - 1) + " tokens, got " + p.length);
            }
        }
        Integer[] order = new Integer[prompts.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt(i -> prompts.get(i).length));
        int[][] out = new int[prompts.size()][];
        for (int from = 0; from < order.length; from += maxBatch) {
            List<Integer> chunk = Arrays.asList(order).subList(from, Math.min(order.length, from + maxBatch));
            int longest = prompts.get(chunk.getLast()).length;
            if (longest + config.maxNewTokens() > context) {
                // the padded rows could not all reach their own end of context: decode them one by one
                for (int i : chunk) out[i] = generate(prompts.get(i), config, id -> { });
                continue;
            }
            List<int[]> batch = new ArrayList<>();
            for (int i : chunk) batch.add(prompts.get(i));
            List<int[]> replies = decodeBatch(batch, longest, config);
            for (int j = 0; j < chunk.size(); j++) out[chunk.get(j)] = replies.get(j);
        }
        return Arrays.asList(out);
    }

    /** Decodes {@code prompts} (at most {@code longest} tokens each, longest + maxNewTokens within the context) side by side. */
    private List<int[]> decodeBatch(List<int[]> prompts, int longest, GenerationConfig config) {
        int rows = prompts.size(), vocab = model.config().vocabSize(), limit = config.maxNewTokens();
        if (limit == 0) return prompts.stream().map(p -> new int[0]).toList();
        int[] padding = new int[rows];
        int[] ids = new int[rows * longest];
        int[] positions = new int[rows * longest];
        for (int b = 0; b < rows; b++) {
            int[] p = prompts.get(b);
            padding[b] = longest - p.length;
            System.arraycopy(p, 0, ids, b * longest + padding[b], p.length);
            Arrays.fill(ids, b * longest, b * longest + padding[b], p[0]);
            for (int t = padding[b]; t < longest; t++) positions[b * longest + t] = t - padding[b];
        }
        TokenSampler[] samplers = new TokenSampler[rows];
        for (int b = 0; b < rows; b++) samplers[b] = config.sampling().newSampler();
        int[][] emitted = new int[rows][limit];
        int[] counts = new int[rows];
        boolean[] done = new boolean[rows];
        int running = rows;
        try (Tape paused = Tape.pause(); Scope generation = Scope.open()) {
            KvCache cache = KvCache.leftPadded(model.config(), model.dtype(), padding, longest + limit);
            float[] logits = stepAll(ids, positions, rows, longest, cache);                // [rows * V]
            int[] next = new int[rows], nextPositions = new int[rows];
            while (running > 0) {
                for (int b = 0; b < rows; b++) {
                    next[b] = ids[b * longest];                                          // filler for stopped rows
                    nextPositions[b] = cache.length() - padding[b];
                    if (done[b]) continue;
                    int token = samplers[b].sample(Arrays.copyOfRange(logits, b * vocab, (b + 1) * vocab));
                    if (config.stopTokens().contains(token)) {
                        done[b] = true;
                        running--;
                        continue;
                    }
                    emitted[b][counts[b]++] = token;
                    next[b] = token;
                    if (counts[b] == limit) {
                        done[b] = true;
                        running--;
                    }
                }
                if (running > 0) logits = stepAll(next, nextPositions, rows, 1, cache);
            }
        }
        List<int[]> out = new ArrayList<>(rows);
        for (int b = 0; b < rows; b++) out.add(Arrays.copyOf(emitted[b], counts[b]));
        return out;
    }

    /** Logits [rows * V] after the last of each row's {@code time} new ids (row-major [rows, time]). */
    private float[] stepAll(int[] ids, int[] positions, int rows, int time, KvCache cache) {
        try (Scope step = Scope.open()) {
            TokenBatch batch = new TokenBatch(Tensor.ofInts(ids, rows, time), Tensor.ofInts(positions, rows, time), Optional.empty());
            Tensor hidden = model.hiddenStates(batch, cache);                              // [B, T, D]
            Tensor last = hidden.narrow(1, time - 1, 1);                                   // [B, 1, D]
            return model.project(last).toFloatArray();                                     // [B * V]
        }
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
