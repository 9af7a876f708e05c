package dev.hone.transformer.train.config;

import dev.hone.autograd.optim.LearningRateSchedule;
import dev.hone.transformer.data.MalformedInputPolicy;
import dev.hone.transformer.data.TrainOn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parsing of YAML/JSON configs and flags: equivalence, defaults, overrides, and the error messages. */
class TrainingConfigLoaderTest {
    @TempDir Path dir;

    private static final String YAML = """
            base_model: models/stories260K
            datasets:
              - path: data/support.jsonl
                type: chat
                field_label: intent
              - data/extra.csv
            adapter: qlora
            lora_r: 16
            lora_alpha: 32
            lora_dropout: 0.05
            lora_target_modules: all-linear
            lora_modules_to_save: [embed_tokens]
            learning_rate: 2e-4
            lr_scheduler: linear
            warmup_ratio: 0.1
            num_epochs: 2
            micro_batch_size: 4
            gradient_accumulation_steps: 2
            sequence_len: 256
            sample_packing: true
            save_total_limit: 3
            early_stopping_patience: 2
            on_bad_line: skip
            resume_from_checkpoint: true
            """;

    private static final String JSON = """
            {"base_model": "models/stories260K",
             "datasets": [{"path": "data/support.jsonl", "type": "chat", "field_label": "intent"}, "data/extra.csv"],
             "adapter": "qlora", "lora_r": 16, "lora_alpha": 32, "lora_dropout": 0.05, "lora_target_modules": "all-linear",
             "lora_modules_to_save": ["embed_tokens"], "learning_rate": 0.0002, "lr_scheduler": "linear", "warmup_ratio": 0.1, "num_epochs": 2,
             "micro_batch_size": 4, "gradient_accumulation_steps": 2, "sequence_len": 256, "sample_packing": true,
             "save_total_limit": 3, "early_stopping_patience": 2, "on_bad_line": "skip", "resume_from_checkpoint": true}
            """;

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void yamlAndJsonWithTheSameContentGiveEqualConfigs() throws IOException {
        TrainingConfig fromYaml = TrainingConfigLoader.load(write("c.yaml", YAML));
        TrainingConfig fromJson = TrainingConfigLoader.load(write("c.json", JSON));
        assertThat(fromYaml).isEqualTo(fromJson);

        assertThat(fromYaml.lora().adapter()).isEqualTo(AdapterKind.QLORA);
        assertThat(fromYaml.quantization().loadIn4bit()).isTrue();
        assertThat(fromYaml.quantization().quantType()).isEqualTo(QuantType.NF4);
        assertThat(fromYaml.lora().targetModules()).isEqualTo(new LoraTargets.AllLinear());
        assertThat(fromYaml.lora().scale()).isEqualTo(2.0);
        assertThat(fromYaml.lora().modulesToSave()).containsExactly("embed_tokens");
        // YAML 1.1 reads 2e-4 as a string; it must still be the number
        assertThat(fromYaml.optimizer().learningRate()).isEqualTo(2e-4);
        assertThat(fromYaml.data().datasets()).containsExactly(
                DatasetSpec.of(Path.of("data/support.jsonl")).withType(DatasetFormat.CHAT).withFieldLabel("intent"),
                DatasetSpec.of(Path.of("data/extra.csv")));
        assertThat(fromYaml.data().onBadLine()).isEqualTo(MalformedInputPolicy.SKIP);
        assertThat(fromYaml.checkpointing().saveTotalLimit()).isEqualTo(OptionalInt.of(3));
        assertThat(fromYaml.checkpointing().resumeFrom()).isEqualTo(new ResumeFrom.Latest());
    }

    @Test
    void absentKeysTakeTheAxolotlAndTrlDefaults() {
        TrainingConfig c = TrainingConfigLoader.fromMap(Map.of("base_model", "m", "datasets", "d.jsonl"));
        assertThat(c.lora().adapter()).isEqualTo(AdapterKind.FULL);
        assertThat(c.lora().r()).isEqualTo(8);
        assertThat(c.lora().alpha()).isEqualTo(8.0);
        assertThat(c.lora().targetModules()).isEqualTo(new LoraTargets.Named(List.of("q_proj", "v_proj")));
        assertThat(c.optimizer()).isEqualTo(new TrainingConfig.Optimizer(2e-5, 0.0, 0.9, 0.999, 1e-8, 1.0));
        assertThat(c.schedule()).isEqualTo(new TrainingConfig.Schedule(SchedulerKind.COSINE, 0.0, OptionalLong.empty(), 1.0,
                OptionalLong.empty(), 1, 1));
        assertThat(c.data().valSetSize()).isEqualTo(0.1);
        assertThat(c.data().sequenceLen()).isEqualTo(512);
        assertThat(c.data().trainOn()).isEqualTo(TrainOn.ASSISTANT);
        assertThat(c.data().onBadLine()).isEqualTo(MalformedInputPolicy.STOP);
        assertThat(c.evaluation()).isEqualTo(new TrainingConfig.Evaluation(0, 10, OptionalInt.empty(), 0.0));
        assertThat(c.checkpointing()).isEqualTo(new TrainingConfig.Checkpointing(Path.of("./model-out"), 500, OptionalInt.empty(),
                new ResumeFrom.Fresh(), false));
        assertThat(c.quantization().doubleQuant()).isTrue();
        assertThat(c.seed()).isEqualTo(42);
    }

    @Test
    void commandLineFlagsOverrideTheFileWithTheirYamlTypes() throws IOException {
        Map<String, String> flags = CliOverrides.parse(List.of("--learning-rate", "1e-4", "--lora_target_modules=q_proj,k_proj",
                "--use_rslora", "--max_steps", "30", "--resume_from_checkpoint", "out/checkpoints/checkpoint-20"));
        TrainingConfig c = TrainingConfigLoader.load(write("c.yaml", YAML), flags);
        assertThat(c.optimizer().learningRate()).isEqualTo(1e-4);
        assertThat(c.lora().targetModules()).isEqualTo(new LoraTargets.Named(List.of("q_proj", "k_proj")));
        assertThat(c.lora().useRslora()).isTrue();
        assertThat(c.lora().scale()).isEqualTo(32 / 4.0);
        assertThat(c.schedule().maxSteps()).isEqualTo(OptionalLong.of(30));
        assertThat(c.checkpointing().resumeFrom()).isEqualTo(new ResumeFrom.Directory(Path.of("out/checkpoints/checkpoint-20")));
        assertThat(c.lora().r()).isEqualTo(16);
    }

    @Test
    void unknownKeysAreListedWithTheirNearestKnownKey() throws IOException {
        Path file = write("bad.yaml", """
                base_model: m
                datasets: [{path: d.jsonl, tpye: chat}]
                learnign_rate: 1e-4
                num_train_epochs: 3
                completely_unrelated_setting: 1
                """);
        assertThatThrownBy(() -> TrainingConfigLoader.load(file))
                .isInstanceOf(TrainingConfigException.class)
                .hasMessageContaining("bad.yaml")
                .hasMessageContaining("unknown key 'learnign_rate' (did you mean 'learning_rate'?)")
                .hasMessageContaining("unknown key 'num_train_epochs' (did you mean 'num_epochs'?)")
                .hasMessageContaining("datasets[0].unknown key 'tpye' (did you mean 'type'?)")
                .hasMessageContaining("unknown key 'completely_unrelated_setting'")
                .satisfies(e -> assertThat(((TrainingConfigException) e).problems()).hasSize(4));
    }

    @Test
    void invalidValuesAreAllReportedNamingTheirKeys() {
        TrainingConfigException e = catchConfig(Map.of("base_model", "m", "datasets", List.of(Map.of("path", "d.jsonl", "type", "parquet")),
                "learning_rate", -0.001, "lora_r", 0, "lora_dropout", 1.5, "lr_scheduler", "cosin", "micro_batch_size", 2.5,
                "warmup_steps", 10, "warmup_ratio", 0.1, "sample_packing", "maybe"));
        assertThat(e.problems()).containsExactlyInAnyOrder(
                "datasets[0].type: must be one of auto, chat, chat_template, messages, prompt_completion, text, csv, got 'parquet'",
                "learning_rate: must be > 0 (and below 10), got -0.001",
                "lora_r: must be a positive integer, got 0",
                "lora_dropout: must be in [0, 1), got 1.5",
                "lr_scheduler: must be one of cosine, linear, constant, constant_with_warmup, got 'cosin'",
                "micro_batch_size: expected an integer, got 2.5",
                "warmup_steps: and warmup_ratio are both set; keep one",
                "sample_packing: expected true or false, got 'maybe'");
    }

    @Test
    void missingRequiredKeysAndContradictionsAreErrors() {
        assertThat(catchConfig(Map.of()).problems()).containsExactly("base_model: is required",
                "datasets: is required (a list of {path, type} entries, or a path)");
        assertThat(catchConfig(Map.of("base_model", "m", "datasets", "d", "adapter", "qlora", "load_in_4bit", false)).getMessage())
                .contains("load_in_4bit: is false but adapter is qlora");
        assertThat(catchConfig(Map.of("base_model", "m", "datasets", "d", "load_in_4bit", true)).getMessage())
                .contains("load_in_4bit: 4-bit base weights are frozen and need an adapter: set adapter: qlora (adapter is full)");
        assertThat(catchConfig(Map.of("base_model", "m", "datasets", "d", "lora_model_dir", "runs/a/adapter")).getMessage())
                .contains("lora_model_dir: names an adapter to go on training, but adapter is full: set adapter: lora");
        assertThat(TrainingConfigLoader.fromMap(Map.of("base_model", "m", "datasets", "d", "adapter", "lora",
                "lora_model_dir", "runs/a/adapter")).lora().modelDir()).contains(Path.of("runs/a/adapter"));
        assertThat(catchConfig(Map.of("base_model", "m", "datasets", "d", "val_set_size", 0, "early_stopping_patience", 3)).getMessage())
                .contains("early_stopping_patience: needs evaluation data");
    }

    @Test
    void syntaxErrorsAndDuplicateKeysNameTheFileAndLine() throws IOException {
        Path broken = write("broken.json", "{\"base_model\": \"m\",\n \"datasets\": [}");
        assertThatThrownBy(() -> TrainingConfigLoader.load(broken)).isInstanceOf(TrainingConfigException.class)
                .hasMessageContaining("broken.json").hasMessageContaining("JSON syntax at line 2");
        Path duplicate = write("dup.yaml", "base_model: a\nbase_model: b\ndatasets: d\n");
        assertThatThrownBy(() -> TrainingConfigLoader.load(duplicate)).isInstanceOf(TrainingConfigException.class)
                .hasMessageContaining("YAML syntax").hasMessageContaining("base_model");
    }

    @Test
    void theFlatFormReloadsToTheSameConfig() throws IOException {
        TrainingConfig c = TrainingConfigLoader.load(write("c.yaml", YAML));
        assertThat(TrainingConfigLoader.fromTree(TrainingConfigLoader.toTree(c), "tree")).isEqualTo(c);
        assertThat(TrainingConfigLoader.load(write("resolved.yaml", TrainingConfigLoader.toYaml(c)))).isEqualTo(c);
    }

    @Test
    void scheduleArithmeticFollowsHuggingFace() {
        TrainingConfig.Schedule s = new TrainingConfig.Schedule(SchedulerKind.COSINE, 0.1, OptionalLong.empty(), 2.0,
                OptionalLong.empty(), 4, 3);
        assertThat(s.stepsPerEpoch(10)).isEqualTo(4);          // ceil(10 / 3)
        assertThat(s.totalSteps(10)).isEqualTo(8);
        assertThat(s.warmupSteps(8)).isEqualTo(1);             // ceil(0.1 * 8)
        assertThat(s.learningRateSchedule(1e-3, 8)).isEqualTo(new LearningRateSchedule.CosineWithWarmup(1e-3, 1, 8));
        TrainingConfig.Schedule constant = new TrainingConfig.Schedule(SchedulerKind.CONSTANT, 0, OptionalLong.of(2), 1, OptionalLong.of(5), 1, 1);
        LearningRateSchedule lr = constant.learningRateSchedule(1e-3, constant.totalSteps(100));
        assertThat(new double[] {lr.at(0), lr.at(1), lr.at(2), lr.at(4)}).containsExactly(0, 5e-4, 1e-3, 1e-3);
        TrainingConfig.Data data = TrainingConfigLoader.fromMap(Map.of("base_model", "m", "datasets", "d")).data();
        assertThat(data.validationCount(95)).isEqualTo(10);    // ceil(0.1 * 95), as datasets.train_test_split
        assertThatThrownBy(() -> TrainingConfigLoader.fromMap(Map.of("base_model", "m", "datasets", "d", "val_set_size", 5)).data()
                .validationCount(5)).hasMessageContaining("val_set_size 5.0 takes 5 of 5 examples");
    }

    @Test
    void suggestionsUseSynonymsThenEditDistance() {
        List<String> known = ConfigKey.at(ConfigKey.Level.TOP_LEVEL).stream().map(ConfigKey::key).toList();
        assertThat(KeySuggestions.nearest("per_device_train_batch_size", known)).contains("micro_batch_size");
        assertThat(KeySuggestions.nearest("Lora-Alpah", known)).contains("lora_alpha");
        assertThat(KeySuggestions.nearest("zzz", known)).isEqualTo(Optional.empty());
        assertThat(KeySuggestions.distance("kitten", "sitting")).isEqualTo(3);
    }

    private static TrainingConfigException catchConfig(Map<String, ?> values) {
        try {
            TrainingConfigLoader.fromMap(values);
        } catch (TrainingConfigException e) {
            return e;
        }
        throw new AssertionError("expected a TrainingConfigException for " + values);
    }
}
