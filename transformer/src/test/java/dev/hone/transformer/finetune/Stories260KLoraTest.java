package dev.hone.transformer.finetune;

import dev.hone.autograd.CrossEntropyFn;
import dev.hone.autograd.Tape;
import dev.hone.autograd.nn.Linear;
import dev.hone.autograd.optim.AdamW;
import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.lora.LoraConfig;
import dev.hone.lora.LoraModel;
import dev.hone.transformer.checkpoint.Llama2cCheckpoint;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.TokenBatch;
import dev.hone.transformer.tokenizer.SentencePieceBpeTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end on a real model: stories260K (shared/models) with LoRA r=8 on every linear layer, trained
 * for 200 AdamW steps on TinyStories text (shared/data/tinystories) with the base frozen, lowers its
 * loss on that text; the adapter saved as a PEFT directory and loaded into a freshly read model gives
 * the identical loss, and the base weights never change.
 */
class Stories260KLoraTest {
    private static final int BATCH = 4, LENGTH = 64, STEPS = 200;

    static Path shared() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            for (Path candidate : List.of(dir.resolve("shared"), dir.resolveSibling("shared"))) {
                if (Files.isRegularFile(candidate.resolve("models/stories260K/stories260K.bin"))) return candidate;
            }
        }
        throw new IllegalStateException("shared/ with models/stories260K not found above " + Path.of("").toAbsolutePath());
    }

    /** BATCH rows of LENGTH + 1 consecutive tokens of the first stories: ids and next-token targets. */
    private static TokenBatch[] data(Path shared) throws IOException {
        var tokenizer = SentencePieceBpeTokenizer.fromLlama2cFile(shared.resolve("models/stories260K/tok512.bin"));
        String text = Files.readString(shared.resolve("data/tinystories/tinystories_val.txt"), StandardCharsets.UTF_8).substring(0, 6000);
        int[] tokens = tokenizer.encode(text, true);
        int[] ids = new int[BATCH * LENGTH], targets = new int[BATCH * LENGTH];
        for (int b = 0; b < BATCH; b++) {
            System.arraycopy(tokens, b * LENGTH, ids, b * LENGTH, LENGTH);
            System.arraycopy(tokens, b * LENGTH + 1, targets, b * LENGTH, LENGTH);
        }
        return new TokenBatch[] {TokenBatch.of(Tensor.ofInts(ids, BATCH, LENGTH)), TokenBatch.of(Tensor.ofInts(targets, BATCH, LENGTH))};
    }

    private static double loss(LlamaModel model, TokenBatch[] data) {
        try (Scope s = Scope.open()) {
            return Tape.withoutRecording(() -> model.loss(data[0], data[1].ids(), CrossEntropyFn.Reduction.MEAN).item());
        }
    }

    @Test
    void loraOnAllLinearLayersLowersTheLossAndReloadsExactly(@TempDir Path dir) throws IOException {
        Path shared = shared();
        Path checkpoint = shared.resolve("models/stories260K/stories260K.bin");
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            TokenBatch[] data = data(shared);
            LlamaModel model = Llama2cCheckpoint.load(checkpoint, DType.F32);
            float[] qBefore = model.stateDict().get("model.layers.0.self_attn.q_proj.weight").toFloatArray();
            LoraModel lm = LoraModel.apply(model, LoraConfig.builder().r(8).loraAlpha(16).allLinear()
                    .baseModelNameOrPath("karpathy/tinyllamas/stories260K").build(), 2026);
            System.out.println("stories260K " + lm.trainableParametersLine());
            assertThat(lm.targets("default")).hasSize(5 * 7);
            lm.eval();
            double before = loss(model, data);
            AdamW optimizer = new AdamW(model.namedParameters(), AdamW.Config.DEFAULTS.withWeightDecay(0));
            lm.train();
            long start = System.nanoTime();
            for (int step = 0; step < STEPS; step++) {
                lm.setStep(step);
                try (Scope s = Scope.open(); Tape tape = Tape.open()) {
                    tape.backward(model.loss(data[0], data[1].ids(), CrossEntropyFn.Reduction.MEAN));
                    optimizer.step(3e-3);
                    model.zeroGrad();
                }
            }
            lm.eval();
            double after = loss(model, data);
            System.out.printf("stories260K LoRA r=8 all-linear: loss %.4f -> %.4f in %d steps (%.1f s)%n", before, after, STEPS,
                    (System.nanoTime() - start) / 1e9);
            assertThat(after).isLessThan(before - 0.1);
            assertThat(lm.layers().get("model.layers.0.self_attn.q_proj").base()).satisfies(b ->
                    assertThat(((Linear) b).weight().value().toFloatArray()).containsExactly(qBefore));

            lm.saveAdapter("default", dir);
            LlamaModel fresh = Llama2cCheckpoint.load(checkpoint, DType.F32);
            LoraModel reloaded = LoraModel.fromPretrained(fresh, "karpathy/tinyllamas/stories260K", dir, LoraModel.Use.INFERENCE);
            reloaded.eval();
            assertThat(loss(fresh, data)).as("reloaded adapter, same loss").isEqualTo(after);
            assertThat(Arrays.equals(reloaded.layers().keySet().toArray(), lm.layers().keySet().toArray())).isTrue();
        }
    }
}
