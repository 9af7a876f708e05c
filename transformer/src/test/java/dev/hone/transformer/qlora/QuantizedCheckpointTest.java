package dev.hone.transformer.qlora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.QuantizedTensor;
import dev.hone.quant.nn.ModelQuantizer;
import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.io.SafetensorsFile;
import dev.hone.tensor.io.SafetensorsWriter;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.checkpoint.CheckpointException;
import dev.hone.transformer.checkpoint.Llama2cToHf;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.TokenBatch;
import dev.hone.transformer.quantized.QuantizedCheckpoint;
import dev.hone.transformer.quantized.QuantizedLlama;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Quantize-on-load and the bitsandbytes packed checkpoint on a real model: stories260K converted to a
 * Hugging Face folder (F32, and a BF16 copy) is loaded with its 35 projections quantized to NF4 with
 * double quantization (embeddings stay dense), saved in bnb's layout with quantization_config in
 * config.json, and loaded back into a model whose quantized weights are byte-identical and whose logits
 * are bit-identical, in F32 and in BF16. A corrupt quant_state is a clear error naming the tensor.
 */
class QuantizedCheckpointTest {
    private static final String DOWN_PROJ = "model.layers.2.mlp.down_proj.weight";
    private static final String K_PROJ = "model.layers.3.self_attn.k_proj.weight";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static Backend backend;
    private static Path hfFolder;
    private static Path bf16Folder;

    /** stories260K as a Hugging Face folder in F32 (the converter's output) and a BF16 copy of it. */
    @BeforeAll
    static void convert() throws IOException {
        backend = Backends.open("cpu");
        hfFolder = dir.resolve("stories260K-hf");
        bf16Folder = dir.resolve("stories260K-hf-bf16");
        try (Scope scope = Scope.open(backend)) {
            Llama2cToHf.convert(SharedFiles.stories260K(), SharedFiles.tok512(), hfFolder);
            Files.createDirectories(bf16Folder);
            Files.writeString(bf16Folder.resolve("config.json"),
                    Files.readString(hfFolder.resolve("config.json")).replace("\"float32\"", "\"bfloat16\""));
            try (SafetensorsFile file = SafetensorsFile.open(hfFolder.resolve("model.safetensors"))) {
                Map<String, Tensor> bf16 = new LinkedHashMap<>();
                for (String name : file.names()) bf16.put(name, file.tensor(name).to(DType.BF16));
                SafetensorsWriter.write(bf16Folder.resolve("model.safetensors"), bf16, Map.of("format", "pt"));
            }
        }
    }

    @AfterAll
    static void close() { backend.close(); }

    private static float[] logits(LlamaModel model) {
        int[] ids = {1, 403, 407, 261, 378, 429, 281, 365, 300, 418, 269, 13, 400, 441, 346, 284};
        try (Scope scope = Scope.open()) {
            Tensor logits = model.logits(TokenBatch.single(ids, 0));                         // [1, T, V]
            return logits.to(DType.F32).toFloatArray();
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void savedNf4ModelLoadsBackBitIdentical(DType dtype) throws IOException {
        Path saved = dir.resolve("nf4-" + dtype);
        try (Scope scope = Scope.open(backend)) {
            QuantizedLlama.Loaded loaded = QuantizedLlama.loadHf(dtype == DType.BF16 ? bf16Folder : hfFolder, dtype, QuantSpec.qlora());
            try (LlamaModel model = loaded.model()) {
                assertThat(loaded.report().quantized()).hasSize(5 * 7).contains("model.layers.0.self_attn.q_proj", "model.layers.4.mlp.down_proj");
                assertThat(model.stateDict()).containsOnlyKeys(expectedDenseNames());
                QuantizedCheckpoint.save(model, saved);

                try (SafetensorsFile file = SafetensorsFile.open(saved.resolve("model.safetensors"))) {
                    assertThat(file.names()).contains(DOWN_PROJ, DOWN_PROJ + ".absmax", DOWN_PROJ + ".quant_map", DOWN_PROJ + ".nested_absmax",
                            DOWN_PROJ + ".nested_quant_map", DOWN_PROJ + ".quant_state.bitsandbytes__nf4");
                    assertThat(file.info(DOWN_PROJ).dtype()).isEqualTo(DType.U8);
                    assertThat(file.info(DOWN_PROJ).shape().dims()).containsExactly(64 * 172 / 2, 1);
                    assertThat(file.info(DOWN_PROJ + ".absmax").dtype()).isEqualTo(DType.U8);
                    assertThat(file.info("model.embed_tokens.weight").dtype()).isEqualTo(dtype);
                    String state = new String(file.bytes(DOWN_PROJ + ".quant_state.bitsandbytes__nf4").toArray(ValueLayout.JAVA_BYTE),
                            StandardCharsets.UTF_8);
                    assertThat(state).startsWith("{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \""
                            + (dtype == DType.F32 ? "float32" : "bfloat16") + "\", \"shape\": [64, 172], \"nested_blocksize\": 256");
                }
                JsonNode config = JSON.readTree(saved.resolve("config.json").toFile());
                JsonNode q = config.get("quantization_config");
                assertThat(q.get("quant_method").asText()).isEqualTo("bitsandbytes");
                assertThat(q.get("load_in_4bit").asBoolean()).isTrue();
                assertThat(q.get("bnb_4bit_quant_type").asText()).isEqualTo("nf4");
                assertThat(q.get("bnb_4bit_use_double_quant").asBoolean()).isTrue();
                assertThat(config.get("hidden_size").asInt()).isEqualTo(64);

                float[] expected = logits(model);
                Map<String, QuantizedTensor> expectedWeights = ModelQuantizer.quantizedWeights(model);
                try (Scope reload = Scope.open()) {
                    LlamaModel back = QuantizedCheckpoint.load(saved, dtype);
                    assertThat(ModelQuantizer.quantizedWeights(back)).isEqualTo(expectedWeights);
                    assertThat(logits(back)).as("logits of the reloaded NF4 model").containsExactly(expected);
                }
            }
        }
    }

    private static String[] expectedDenseNames() {
        String[] names = new String[2 + 2 * 5];
        names[0] = "model.embed_tokens.weight";
        names[1] = "model.norm.weight";
        for (int l = 0; l < 5; l++) {
            names[2 + 2 * l] = "model.layers." + l + ".input_layernorm.weight";
            names[3 + 2 * l] = "model.layers." + l + ".post_attention_layernorm.weight";
        }
        return names;
    }

    @Test
    void corruptQuantStateIsAnErrorNamingTheTensor() {
        Path saved = dir.resolve("nf4-for-corruption");
        try (Scope scope = Scope.open(backend)) {
            try (LlamaModel model = QuantizedLlama.loadHf(hfFolder, DType.F32, QuantSpec.qlora()).model()) {
                QuantizedCheckpoint.save(model, saved);
            }
            String key = K_PROJ + ".quant_state.bitsandbytes__nf4";
            Path truncated = rewritten(saved, "truncated", key, json -> json.substring(0, json.length() / 2));
            assertThatThrownBy(() -> QuantizedCheckpoint.load(truncated, DType.F32))
                    .isInstanceOf(CheckpointException.class).hasMessageContaining(K_PROJ).hasMessageContaining("model.safetensors");
            Path badBlocks = rewritten(saved, "blocksize", key, json -> json.replace("\"blocksize\": 64", "\"blocksize\": 48"));
            assertThatThrownBy(() -> QuantizedCheckpoint.load(badBlocks, DType.F32))
                    .isInstanceOf(CheckpointException.class).hasMessageContaining(K_PROJ).hasMessageContaining("blocksize 48");
            Path badShape = rewritten(saved, "shape", key, json -> json.replace("\"shape\": [32, 64]", "\"shape\": [64, 32]"));
            assertThatThrownBy(() -> QuantizedCheckpoint.load(badShape, DType.F32))
                    .isInstanceOf(CheckpointException.class).hasMessageContaining(K_PROJ).hasMessageContaining("[64, 32]");
            Path badType = rewritten(saved, "type", key, json -> json.replace("\"quant_type\": \"nf4\"", "\"quant_type\": \"fp4\""));
            assertThatThrownBy(() -> QuantizedCheckpoint.load(badType, DType.F32))
                    .isInstanceOf(CheckpointException.class).hasMessageContaining(K_PROJ).hasMessageContaining("quant_type 'fp4'");
        }
    }

    @Test
    void aDenseFolderIsNotTakenForAQuantizedOne() {
        try (Scope scope = Scope.open(backend)) {
            assertThatThrownBy(() -> QuantizedCheckpoint.load(hfFolder, DType.F32))
                    .isInstanceOf(CheckpointException.class).hasMessageContaining("quantization_config");
        }
    }

    /** A copy of {@code saved} whose quant_state entry {@code key} is replaced by {@code edit} of its JSON text. */
    private static Path rewritten(Path saved, String name, String key, UnaryOperator<String> edit) {
        Path target = dir.resolve("corrupt-" + name);
        try (SafetensorsFile file = SafetensorsFile.open(saved.resolve("model.safetensors"))) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String n : file.names()) tensors.put(n, file.tensorCopy(n));
            String json = new String(file.bytes(key).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            byte[] bytes = edit.apply(json).getBytes(StandardCharsets.UTF_8);
            assertThat(bytes).as("the edit changed the quant_state").isNotEqualTo(json.getBytes(StandardCharsets.UTF_8));
            Tensor corrupt = Tensor.empty(DType.U8, bytes.length);
            MemorySegment.copy(bytes, 0, corrupt.storage().segment(), ValueLayout.JAVA_BYTE, 0, bytes.length);
            tensors.put(key, corrupt);
            Files.createDirectories(target);
            Files.copy(saved.resolve("config.json"), target.resolve("config.json"));
            SafetensorsWriter.write(target.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        } catch (IOException e) {
            throw new IllegalStateException("writing " + target + ": " + e, e);
        }
        return target;
    }
}
