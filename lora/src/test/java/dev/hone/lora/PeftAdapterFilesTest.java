package dev.hone.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hone.autograd.nn.Linear;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.io.SafetensorsFile;
import dev.hone.tensor.io.SafetensorsWriter;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.RandomKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * PEFT adapter directories. The expected key names, shapes and config fields are written out by hand
 * from PEFT's naming (peft/utils/save_and_load.py: "base_model.model." + module path, adapter name
 * removed, DoRA's magnitude without ".weight"; adapter_config.json as LoraConfig.to_dict()), not taken
 * from the writer. Also: a PEFT-written adapter loads and computes B·A·scale; save → load into a fresh
 * model reproduces the outputs bit for bit; misfitting adapters list every problem; a failed write
 * leaves the previous adapter intact.
 */
class PeftAdapterFilesTest {
    private Backend backend;
    private Scope scope;
    @TempDir Path tmp;

    @BeforeEach
    void open() {
        backend = TestBackends.fastest();
        scope = Scope.open(backend);
    }

    @AfterEach
    void close() {
        scope.close();
        backend.close();
    }

    private static Tensor input() { return Ops.random(RandomKind.UNIFORM, 77, -1, 1, DType.F32, 4, TinyModel.DIM); }

    private static Map<String, List<Integer>> shapes(Path file) {
        Map<String, List<Integer>> out = new TreeMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String n : f.names()) out.put(n, java.util.Arrays.stream(f.info(n).shape().dims()).boxed().toList());
            assertThat(f.metadata()).isEqualTo(Map.of("format", "pt"));
        }
        return out;
    }

    @Test
    void doraKeysShapesAndConfigFieldsAreExactlyPefts() throws Exception {
        LoraModel lm = LoraModel.apply(new TinyModel(DType.F32, 1, 1), LoraConfig.builder().r(2).loraAlpha(16).loraDropout(0.05)
                .targetModules("q_proj", "up_proj").variant(LoraConfig.Variant.DORA).baseModelNameOrPath("karpathy/stories260K").build(), 3);
        lm.saveAdapter("default", tmp);
        assertThat(shapes(tmp.resolve("adapter_model.safetensors"))).isEqualTo(new TreeMap<>(Map.of(
                "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", List.of(2, 6),
                "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", List.of(6, 2),
                "base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector", List.of(6),
                "base_model.model.model.layers.0.mlp.up_proj.lora_A.weight", List.of(2, 6),
                "base_model.model.model.layers.0.mlp.up_proj.lora_B.weight", List.of(10, 2),
                "base_model.model.model.layers.0.mlp.up_proj.lora_magnitude_vector", List.of(10))));
        JsonNode config = new ObjectMapper().readTree(Files.readString(tmp.resolve("adapter_config.json")));
        TreeSet<String> fields = new TreeSet<>();
        config.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("alpha_pattern", "auto_mapping", "base_model_name_or_path", "bias", "fan_in_fan_out",
                "inference_mode", "init_lora_weights", "layer_replication", "layers_pattern", "layers_to_transform", "loftq_config",
                "lora_alpha", "lora_dropout", "megatron_config", "megatron_core", "modules_to_save", "peft_type", "r", "rank_pattern",
                "revision", "target_modules", "task_type", "use_dora", "use_rslora");
        assertThat(config.get("peft_type").asText()).isEqualTo("LORA");
        assertThat(config.get("task_type").asText()).isEqualTo("CAUSAL_LM");
        assertThat(config.get("base_model_name_or_path").asText()).isEqualTo("karpathy/stories260K");
        assertThat(config.get("r").isInt() && config.get("r").asInt() == 2).isTrue();
        assertThat(config.get("lora_alpha").isIntegralNumber() && config.get("lora_alpha").asInt() == 16).isTrue();
        assertThat(config.get("lora_dropout").asDouble()).isEqualTo(0.05);
        assertThat(config.get("fan_in_fan_out").asBoolean(true)).isFalse();
        assertThat(config.get("use_dora").asBoolean()).isTrue();
        assertThat(config.get("use_rslora").asBoolean(true)).isFalse();
        assertThat(config.get("bias").asText()).isEqualTo("none");
        assertThat(config.get("init_lora_weights").asBoolean()).isTrue();
        assertThat(config.get("modules_to_save").isNull()).isTrue();
        assertThat(config.get("target_modules").toString()).isEqualTo("[\"q_proj\",\"up_proj\"]");
    }

    @Test
    void biasAndModulesToSaveAreSavedUnderTheirModelPaths() {
        LoraModel lm = LoraModel.apply(new TinyModel(DType.F32, 1, 1), LoraConfig.builder().r(2).targetModules("up_proj")
                .bias(LoraConfig.Bias.LORA_ONLY).modulesToSave(List.of("lm_head")).build(), 3);
        lm.saveAdapter("default", tmp);
        assertThat(shapes(tmp.resolve("adapter_model.safetensors"))).isEqualTo(new TreeMap<>(Map.of(
                "base_model.model.model.layers.0.mlp.up_proj.lora_A.weight", List.of(2, 6),
                "base_model.model.model.layers.0.mlp.up_proj.lora_B.weight", List.of(10, 2),
                "base_model.model.model.layers.0.mlp.up_proj.base_layer.bias", List.of(10),
                "base_model.model.lm_head.weight", List.of(5, 6))));
    }

    /** The config as PEFT 0.17 writes it (fields it has that Hone does not write are accepted). */
    private static final String PEFT_CONFIG = """
            {
              "alpha_pattern": {},
              "auto_mapping": null,
              "base_model_name_or_path": "my/base",
              "bias": "none",
              "corda_config": null,
              "eva_config": null,
              "exclude_modules": null,
              "fan_in_fan_out": false,
              "inference_mode": true,
              "init_lora_weights": true,
              "layer_replication": null,
              "layers_pattern": null,
              "layers_to_transform": null,
              "loftq_config": {},
              "lora_alpha": 8,
              "lora_bias": false,
              "lora_dropout": 0.05,
              "megatron_config": null,
              "megatron_core": "megatron.core",
              "modules_to_save": null,
              "peft_type": "LORA",
              "qalora_group_size": 16,
              "r": 4,
              "rank_pattern": {},
              "revision": null,
              "target_modules": ["v_proj", "q_proj"],
              "target_parameters": null,
              "task_type": "CAUSAL_LM",
              "trainable_token_indices": null,
              "use_dora": false,
              "use_qalora": false,
              "use_rslora": false
            }
            """;

    private Map<String, Tensor> peftTensors(int rankOfQ) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", Ops.random(RandomKind.UNIFORM, 1, -1, 1, DType.F32, rankOfQ, 6));
        t.put("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", Ops.random(RandomKind.UNIFORM, 2, -1, 1, DType.F32, 6, rankOfQ));
        t.put("base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight", Ops.random(RandomKind.UNIFORM, 3, -1, 1, DType.F32, 4, 6));
        t.put("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight", Ops.random(RandomKind.UNIFORM, 4, -1, 1, DType.F32, 6, 4));
        return t;
    }

    @Test
    void aPeftWrittenAdapterLoadsAndAppliesBATimesAlphaOverR() throws Exception {
        Files.writeString(tmp.resolve("adapter_config.json"), PEFT_CONFIG);
        Map<String, Tensor> t = peftTensors(4);
        SafetensorsWriter.write(tmp.resolve("adapter_model.safetensors"), t, Map.of("format", "pt"));
        TinyModel model = new TinyModel(DType.F32, 1, 1);
        Linear q = (Linear) model.module("model.layers.0.self_attn.q_proj");
        LoraModel lm = LoraModel.fromPretrained(model, "my/base", tmp, LoraModel.Use.INFERENCE);
        assertThat(model.trainableParameters()).isEmpty();
        lm.eval();
        Tensor x = input();
        LoraLinear layer = lm.layers().get("model.layers.0.self_attn.q_proj");
        // y = x W^T + (x A^T B^T) * 8 / 4
        Tensor a = t.get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
        Tensor b = t.get("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight");
        Tensor expected = Ops.add(Ops.matmul(x, q.weight().value().mT()), Ops.mul(Ops.matmul(Ops.matmul(x, a.mT()), b.mT()), 2.0));
        double[] got = layer.forward(x).toDoubleArray(), want = expected.toDoubleArray();
        for (int i = 0; i < want.length; i++) assertThat(got[i]).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-5));
    }

    @Test
    void saveThenLoadIntoAFreshModelGivesIdenticalOutputs() {
        TinyModel model = new TinyModel(DType.F32, 2, 1);
        LoraModel lm = LoraModel.apply(model, LoraConfig.builder().r(3).allLinear().variant(LoraConfig.Variant.DORA)
                .initLoraWeights(LoraConfig.Init.LINEAR_DEFAULT).baseModelNameOrPath("tiny").build(), 3);
        lm.saveAdapter("default", tmp);
        TinyModel fresh = new TinyModel(DType.F32, 2, 1);
        LoraModel loaded = LoraModel.fromPretrained(fresh, "tiny", tmp, LoraModel.Use.TRAINING);
        assertThat(loaded.targets("default")).isEqualTo(lm.targets("default"));
        assertThat(loaded.trainableParameterCount()).isEqualTo(lm.trainableParameterCount());
        assertThat(fresh.forward(input()).toFloatArray()).containsExactly(model.forward(input()).toFloatArray());
    }

    @Test
    void aMisfittingAdapterListsEveryProblem() throws Exception {
        Files.writeString(tmp.resolve("adapter_config.json"), PEFT_CONFIG.replace("\"v_proj\", \"q_proj\"", "\"v_proj\", \"q_proj\", \"o_proj\""));
        Map<String, Tensor> t = peftTensors(3);
        t.remove("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight");
        t.put("base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight", Tensor.zeros(DType.F32, 4, 6));
        SafetensorsWriter.write(tmp.resolve("adapter_model.safetensors"), t, Map.of("format", "pt"));
        TinyModel model = new TinyModel(DType.F32, 1, 1);
        LoraModel lm = LoraModel.wrap(model, "other/base");
        assertThatThrownBy(() -> lm.loadAdapter(tmp, "x", LoraModel.Use.INFERENCE))
                .isInstanceOfSatisfying(AdapterMismatchException.class, e -> assertThat(e.problems()).hasSize(6))
                .hasMessageContaining("trained on 'my/base', this model is 'other/base'")
                .hasMessageContaining("[o_proj] matched no linear layer")
                .hasMessageContaining("'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' is [3, 6], the model needs [4, 6]")
                .hasMessageContaining("'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight' is [6, 3], the model needs [6, 4]")
                .hasMessageContaining("missing tensor 'base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight' [6, 4]")
                .hasMessageContaining("the model has no module 'model.layers.0.self_attn.k_proj'");
        assertThat(lm.adapterNames()).isEmpty();
        assertThat(model.namedModules()).noneSatisfy((p, m) -> assertThat(m).isInstanceOf(LoraLinear.class));
    }

    @Test
    void configOptionsThatChangeWhatTheWeightsMeanAreRefusedByName() {
        String bad = PEFT_CONFIG.replace("\"fan_in_fan_out\": false", "\"fan_in_fan_out\": true")
                .replace("\"init_lora_weights\": true", "\"init_lora_weights\": \"pissa\"");
        assertThatThrownBy(() -> AdapterConfigJson.read(bad, tmp.resolve("adapter_config.json")))
                .hasMessageContaining("adapter_config.json").hasMessageContaining("fan_in_fan_out").hasMessageContaining("\"pissa\"");
        LoraConfig gaussianRegex = AdapterConfigJson.read(PEFT_CONFIG.replace("\"init_lora_weights\": true", "\"init_lora_weights\": \"gaussian\"")
                .replace("[\"v_proj\", \"q_proj\"]", "\".*\\\\.(q|v)_proj\""), tmp);
        assertThat(gaussianRegex.initLoraWeights()).isEqualTo(LoraConfig.Init.GAUSSIAN);
        assertThat(gaussianRegex.targetModules()).isEqualTo(new TargetModules.Regex(".*\\.(q|v)_proj"));
    }

    @Test
    void aFailedWriteLeavesThePreviousAdapterIntact() throws Exception {
        TinyModel model = new TinyModel(DType.F32, 1, 1);
        LoraModel lm = LoraModel.apply(model, LoraConfig.builder().r(2).targetModules("q_proj").build(), 3);
        lm.saveAdapter("default", tmp);
        byte[] weights = Files.readAllBytes(tmp.resolve("adapter_model.safetensors"));
        byte[] config = Files.readAllBytes(tmp.resolve("adapter_config.json"));
        // make lora_B unreadable mid-write: a view of a file mapping that is closed before saving
        Path other = tmp.resolveSibling(tmp.getFileName() + "-mapping.safetensors");
        SafetensorsWriter.write(other, Map.of("b", Tensor.ones(DType.F32, 6, 2)));
        SafetensorsFile mapping = SafetensorsFile.open(other);
        lm.layers().get("model.layers.0.self_attn.q_proj").loraB("default").setValue(mapping.tensor("b"));
        mapping.close();
        assertThatThrownBy(() -> lm.saveAdapter("default", tmp)).hasMessageContaining("adapter_model.safetensors");
        assertThat(Files.readAllBytes(tmp.resolve("adapter_model.safetensors"))).isEqualTo(weights);
        assertThat(Files.readAllBytes(tmp.resolve("adapter_config.json"))).isEqualTo(config);
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("adapter_model.safetensors", "adapter_config.json");
        }
    }
}
