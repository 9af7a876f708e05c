package dev.hone.transformer.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.io.SafetensorsFile;
import dev.hone.tensor.io.SafetensorsWriter;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.generation.GenerationConfig;
import dev.hone.transformer.generation.Generator;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.TokenBatch;
import dev.hone.transformer.tokenizer.HfTokenizer;
import dev.hone.transformer.tokenizer.TokenizerFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * stories260K converted from llama2.c to a Hugging Face folder (q/k rows permuted for rotate-half RoPE)
 * and loaded back through config.json + safetensors reproduces llama2.c's greedy text; BF16 loading is
 * close to F32; defective folders and .bin files fail with errors naming the file and the tensor or field.
 */
class HfCheckpointTest {
    @TempDir
    static Path dir;
    private static Backend backend;
    private static Scope scope;
    private static Path folder;

    @BeforeAll
    static void convert() {
        backend = Backends.open("cpu");
        scope = Scope.open(backend);
        folder = dir.resolve("stories260K-hf");
        Llama2cToHf.convert(TokenizerFixtures.stories("stories260K.bin"), TokenizerFixtures.stories("tok512.bin"), folder);
    }

    @AfterAll
    static void close() {
        scope.close();
        backend.close();
    }

    private static String expectedGreedy() throws IOException {
        return Files.readString(TokenizerFixtures.shared().resolve("reference/stories260K/expected_greedy_t0_n200.txt"),
                StandardCharsets.UTF_8).stripTrailing();
    }

    @Test
    void convertedFolderReproducesLlama2cGreedyText() throws IOException {
        assertThat(folder.resolve("config.json")).exists();
        assertThat(folder.resolve("tokenizer.json")).exists();
        try (SafetensorsFile f = SafetensorsFile.open(folder.resolve("model.safetensors"))) {
            assertThat(f.metadata()).containsEntry("format", "pt");
        }
        HfTokenizer tokenizer = HfTokenizer.load(folder.resolve("tokenizer.json"));
        try (Scope s = Scope.open(); LlamaModel model = HfCheckpoint.load(folder, DType.F32, HfCheckpoint.Residence.MAPPED)) {
            assertThat(model.parameters()).allSatisfy(p -> assertThat(p.trainable()).isFalse());
            int[] ids = new Generator(model).generate(new int[] {1}, GenerationConfig.greedy(200, Set.of(1)), id -> { });
            assertThat(tokenizer.decode(ids)).isEqualTo(expectedGreedy());
        }
    }

    @Test
    void bf16LoadingStaysCloseToF32() {
        int[] ids = {1, 403, 407, 261, 378, 432, 383, 286};
        try (Scope s = Scope.open();
             LlamaModel f32 = HfCheckpoint.load(folder, DType.F32, HfCheckpoint.Residence.COPIED);
             LlamaModel bf16 = HfCheckpoint.load(folder, DType.BF16, HfCheckpoint.Residence.MAPPED)) {
            assertThat(f32.parameters()).allSatisfy(p -> assertThat(p.trainable()).isTrue());
            float[] a = f32.logits(TokenBatch.single(ids, 0)).toFloatArray();
            float[] b = bf16.logits(TokenBatch.single(ids, 0)).to(DType.F32).toFloatArray();
            double worst = 0, scale = 0;
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
                scale = Math.max(scale, Math.abs(a[i]));
            }
            System.out.printf("stories260K BF16 vs F32: max |logit diff| %.3f (max |logit| %.1f)%n", worst, scale);
            assertThat(worst).isLessThan(0.05 * scale);
        }
    }

    @Test
    void unsupportedArchitectureNamesFileAndField() throws IOException {
        Path bad = copyFolder("gpt2");
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(bad.resolve("config.json").toFile());
        config.putArray("architectures").add("GPT2LMHeadModel");
        new ObjectMapper().writeValue(bad.resolve("config.json").toFile(), config);
        assertThatThrownBy(() -> HfCheckpoint.load(bad, DType.F32, HfCheckpoint.Residence.MAPPED))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(bad.resolve("config.json").toString())
                .hasMessageContaining("'architectures'").hasMessageContaining("GPT2LMHeadModel");
    }

    @Test
    void missingTensorNamesFileAndTensor() throws IOException {
        Path bad = rewriteWeights("missing", (name, t) -> name.equals("model.layers.3.mlp.up_proj.weight") ? null : t);
        assertThatThrownBy(() -> HfCheckpoint.load(bad, DType.F32, HfCheckpoint.Residence.MAPPED))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(bad.resolve("model.safetensors").toString())
                .hasMessageContaining("'model.layers.3.mlp.up_proj.weight' is missing");
    }

    @Test
    void wrongShapeNamesFileTensorAndShapes() throws IOException {
        Path bad = rewriteWeights("shape", (name, t) -> name.equals("model.layers.1.self_attn.k_proj.weight") ? t.narrow(0, 0, 16) : t);
        assertThatThrownBy(() -> HfCheckpoint.load(bad, DType.F32, HfCheckpoint.Residence.MAPPED))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(bad.resolve("model.safetensors").toString())
                .hasMessageContaining("'model.layers.1.self_attn.k_proj.weight' has shape [16, 64], the config implies [32, 64]");
    }

    @Test
    void truncatedLlama2cFileIsReportedWithItsSizes() throws IOException {
        Path cut = dir.resolve("truncated.bin");
        byte[] all = Files.readAllBytes(TokenizerFixtures.stories("stories260K.bin"));
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 100));
        assertThatThrownBy(() -> Llama2cCheckpoint.load(cut, DType.F32))
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(cut.toString())
                .hasMessageContaining("truncated");
    }

    @Test
    void conversionRefusesAnExistingFolder() {
        assertThatThrownBy(() -> Llama2cToHf.convert(TokenizerFixtures.stories("stories260K.bin"), TokenizerFixtures.stories("tok512.bin"), folder))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("already exists");
    }

    private static Path copyFolder(String name) throws IOException {
        Path copy = dir.resolve(name);
        Files.createDirectories(copy);
        for (String f : new String[] {"config.json", "model.safetensors"}) Files.copy(folder.resolve(f), copy.resolve(f));
        return copy;
    }

    private static Path rewriteWeights(String name, java.util.function.BiFunction<String, Tensor, Tensor> edit) throws IOException {
        Path copy = copyFolder(name);
        try (Scope s = Scope.open(); SafetensorsFile f = SafetensorsFile.open(folder.resolve("model.safetensors"))) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String n : f.names()) {
                Tensor t = edit.apply(n, f.tensor(n));
                if (t != null) tensors.put(n, t);
            }
            SafetensorsWriter.write(copy.resolve("model.safetensors"), tensors);
        }
        return copy;
    }
}
