package dev.hone.transformer.train.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hone.autograd.nn.Parameter;
import dev.hone.autograd.optim.AdamW;
import dev.hone.autograd.optim.LearningRateSchedule;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.train.config.ResumeFrom;
import dev.hone.transformer.train.metrics.MetricsRow;
import dev.hone.transformer.train.monitor.EarlyStopping;
import dev.hone.transformer.train.monitor.OverfitDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Atomic checkpoints: round trip, a payload failing mid-write (full disk), incomplete directories, retention. */
class CheckpointStoreTest {
    @TempDir Path dir;
    private Backend backend;
    private Scope scope;
    private final List<String> warnings = new ArrayList<>();

    @BeforeEach
    void open() {
        backend = Backends.open("cpu");
        scope = Scope.open(backend);
    }

    @AfterEach
    void close() {
        scope.close();
        backend.close();
    }

    private static Map<String, Parameter> parameters() {
        Map<String, Parameter> named = new LinkedHashMap<>();
        named.put("layer.lora_A.weight", new Parameter("layer.lora_A.weight", Tensor.of(new float[] {0.1f, -0.2f, 0.3f, 0.4f, 0.5f, -0.6f}, 2, 3)));
        named.put("layer.lora_B.weight", new Parameter("layer.lora_B.weight", Tensor.of(new float[] {1, 2, 3, 4}, 4)));
        return named;
    }

    private static AdamW trainedOptimizer(Map<String, Parameter> named, int steps) {
        AdamW opt = new AdamW(named, AdamW.Config.DEFAULTS);
        for (int s = 0; s < steps; s++) {
            for (Parameter p : named.values()) {
                p.zeroGrad();
                p.accumulateGrad(dev.hone.tensor.Ops.mul(p.value(), 0.5 + s));
            }
            opt.step(1e-2);
        }
        return opt;
    }

    private static TrainerState state(long step, Optional<String> best) {
        ObjectNode data = new ObjectMapper().createObjectNode().put("epoch", 0).put("position", 7 * step);
        List<MetricsRow> history = List.of(MetricsRow.train(step, 0.5, 2.25, 1e-4, 0.75, 1234.5),
                MetricsRow.eval(step, 0.5, 2.0, OptionalDouble.of(0.25)));
        return new TrainerState(step, step / 20.0, 100, data, OptionalDouble.of(1.875), best, history,
                RngState.of(-1234567890123456789L).with("dropout", 99 * step), new EarlyStopping.State(OptionalDouble.of(1.875), 1),
                new OverfitDetector.State(List.of(new OverfitDetector.Point(step, 1.5, 2.0)), false), 4096 * step, 12.5);
    }

    private static SchedulerState scheduler(long step) {
        return SchedulerState.of(new LearningRateSchedule.CosineWithWarmup(2e-4, 5, 100), step);
    }

    private static final CheckpointPayload ADAPTER = directory -> {
        Path adapter = Files.createDirectories(directory.resolve("adapter"));
        Files.writeString(adapter.resolve("adapter_config.json"), "{\"r\": 8}");
        Files.write(adapter.resolve("adapter_model.safetensors"), new byte[1000]);
    };

    private CheckpointStore store(OptionalInt keep) { return new CheckpointStore(dir.resolve("checkpoints"), keep, warnings::add); }

    private CheckpointStore.Checkpoint save(CheckpointStore store, long step, Optional<String> best) {
        AdamW opt = trainedOptimizer(parameters(), 2);
        return store.save(state(step, best), scheduler(step), OptimizerState.of(opt), ADAPTER);
    }

    private List<String> children(Path p) throws IOException {
        try (Stream<Path> s = Files.list(p)) {
            return s.map(c -> c.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aSavedCheckpointLoadsBackEqual() throws IOException {
        CheckpointStore store = store(OptionalInt.empty());
        Map<String, Parameter> named = parameters();
        AdamW opt = trainedOptimizer(named, 3);
        CheckpointStore.Checkpoint c = store.save(state(10, Optional.empty()), scheduler(10), OptimizerState.of(opt), ADAPTER);

        assertThat(c.directory()).isEqualTo(dir.resolve("checkpoints/checkpoint-10"));
        assertThat(store.listedFiles(c)).containsOnlyKeys("adapter/adapter_config.json", "adapter/adapter_model.safetensors",
                "optimizer.safetensors", "scheduler.json", "trainer_state.json");
        CheckpointStore.Loaded loaded = store.resume(new ResumeFrom.Latest()).orElseThrow();
        assertThat(loaded.state()).isEqualTo(state(10, Optional.empty()));
        assertThat(loaded.scheduler()).isEqualTo(scheduler(10));
        assertThat(loaded.scheduler().toSchedule()).isEqualTo(new LearningRateSchedule.CosineWithWarmup(2e-4, 5, 100));

        AdamW fresh = new AdamW(parameters(), AdamW.Config.DEFAULTS);
        assertThat(OptimizerState.restoreInto(loaded.optimizerFile(), fresh)).isEqualTo(3);
        assertThat(fresh.stepCount()).isEqualTo(3);
        for (Map.Entry<String, Tensor> e : opt.state().entrySet()) {
            assertThat(fresh.state().get(e.getKey()).toFloatArray()).as(e.getKey()).containsExactly(e.getValue().toFloatArray());
        }
        assertThat(warnings).isEmpty();
    }

    @Test
    void aPayloadFailingMidWriteLeavesThePreviousCheckpointIntact() throws IOException {
        CheckpointStore store = store(OptionalInt.of(1));
        save(store, 10, Optional.empty());
        String before = Files.readString(dir.resolve("checkpoints/checkpoint-10/trainer_state.json"));

        CheckpointPayload diskFull = directory -> {
            Files.write(directory.resolve("adapter_model.safetensors"), new byte[4096]);
            throw new IOException("No space left on device");
        };
        AdamW opt = trainedOptimizer(parameters(), 1);
        assertThatThrownBy(() -> store.save(state(20, Optional.empty()), scheduler(20), OptimizerState.of(opt), diskFull))
                .isInstanceOf(CheckpointWriteException.class)
                .hasMessageContaining("cannot write checkpoint-20")
                .hasMessageContaining("No space left on device")
                .hasMessageContaining("the newest complete checkpoint is still " + dir.resolve("checkpoints/checkpoint-10"))
                .hasMessageContaining("Free disk space");

        CheckpointPayload broken = directory -> { throw new IllegalArgumentException("tensor 'w' has no storage"); };
        assertThatThrownBy(() -> store.save(state(20, Optional.empty()), scheduler(20), OptimizerState.of(opt), broken))
                .isInstanceOf(CheckpointWriteException.class)
                .hasMessageContaining("tensor 'w' has no storage")
                .hasMessageContaining("not an I/O error")
                .hasMessageNotContaining("Free disk space");

        assertThat(children(dir.resolve("checkpoints"))).containsExactly("checkpoint-10");   // no partial directory, retention not run
        assertThat(store.latest().orElseThrow().step()).isEqualTo(10);
        assertThat(Files.readString(dir.resolve("checkpoints/checkpoint-10/trainer_state.json"))).isEqualTo(before);
        assertThat(store.load(store.latest().orElseThrow()).state()).isEqualTo(state(10, Optional.empty()));
    }

    @Test
    void latestIgnoresIncompleteAndCorruptDirectoriesWithAWarning() throws IOException {
        CheckpointStore store = store(OptionalInt.empty());
        save(store, 10, Optional.empty());
        save(store, 20, Optional.empty());
        // a directory without marker (e.g. copied by hand while being written)
        Files.createDirectories(dir.resolve("checkpoints/checkpoint-40"));
        Files.writeString(dir.resolve("checkpoints/checkpoint-40/trainer_state.json"), "{}");
        // a complete checkpoint whose optimizer file was truncated afterwards
        Path truncated = save(store, 30, Optional.empty()).directory().resolve(CheckpointStore.OPTIMIZER);
        Files.write(truncated, Arrays.copyOf(Files.readAllBytes(truncated), 100));

        warnings.clear();
        assertThat(store.latest().orElseThrow().step()).isEqualTo(20);
        assertThat(warnings).hasSize(2);
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("checkpoint-40").contains("no checkpoint_complete.json"));
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("checkpoint-30").contains("optimizer.safetensors has 100 bytes"));
        assertThatThrownBy(() -> store.resume(new ResumeFrom.Directory(dir.resolve("checkpoints/checkpoint-30"))))
                .hasMessageContaining("is not usable: optimizer.safetensors has 100 bytes");
    }

    @Test
    void aLeftoverTemporaryDirectoryIsRemovedAtTheNextSave() throws IOException {
        CheckpointStore store = store(OptionalInt.empty());
        Files.createDirectories(dir.resolve("checkpoints/.tmp-checkpoint-5-abc/adapter"));
        save(store, 10, Optional.empty());
        assertThat(children(dir.resolve("checkpoints"))).containsExactly("checkpoint-10");
        assertThat(warnings).singleElement().asString().contains("removing the unfinished checkpoint write");
    }

    @Test
    void retentionKeepsTheNewestAndTheBest() throws IOException {
        CheckpointStore store = store(OptionalInt.of(2));
        for (long step = 10; step <= 50; step += 10) save(store, step, Optional.of("checkpoint-20"));
        assertThat(children(dir.resolve("checkpoints"))).containsExactly("checkpoint-20", "checkpoint-40", "checkpoint-50");
        assertThat(store.complete()).extracting(CheckpointStore.Checkpoint::step).containsExactly(20L, 40L, 50L);
    }

    @Test
    void savingTheSameStepAgainReplacesIt() throws IOException {
        CheckpointStore store = store(OptionalInt.empty());
        save(store, 10, Optional.empty());
        save(store, 10, Optional.of("checkpoint-10"));
        assertThat(children(dir.resolve("checkpoints"))).containsExactly("checkpoint-10");
        assertThat(store.load(store.latest().orElseThrow()).state().bestCheckpoint()).contains("checkpoint-10");
    }

    @Test
    void resumingFreshOrWithoutCheckpointsStartsFromZero() {
        CheckpointStore store = store(OptionalInt.empty());
        assertThat(store.resume(new ResumeFrom.Fresh())).isEmpty();
        assertThat(store.resume(new ResumeFrom.Latest())).isEmpty();
        assertThat(warnings).singleElement().asString().contains("no complete checkpoint");
    }
}
