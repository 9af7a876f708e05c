package dev.hone.transformer.sft;

import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.data.DataFormatException;
import dev.hone.transformer.data.MalformedInputPolicy;
import dev.hone.transformer.data.SftDataConfig;
import dev.hone.transformer.train.checkpoint.CheckpointStore;
import dev.hone.transformer.train.checkpoint.CheckpointWriteException;
import dev.hone.transformer.train.monitor.NonFiniteLossException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bad input through the whole trainer: a malformed JSONL line stops the run naming file:line, or is skipped with a
 * warning; a diverging run (an absurd learning rate) stops at the first non-finite loss naming the step and the
 * last good checkpoint, which stays complete; a full disk while a checkpoint is written gives a clear error and
 * leaves the previous checkpoint intact and no partial directory; examples longer than sequence_len are counted.
 */
class BadInputTest {

    private static Trainer.Builder quick(SftDataConfig data, Path out, ByteArrayOutputStream log) {
        return SftFixtures.smallQlora(SftFixtures.stories260K(), data, out, new PrintStream(log, true, StandardCharsets.UTF_8))
                .baseEvaluation(Trainer.BaseEvaluation.AFTER_ONLY).sampleGenerations(0).evalSteps(0);
    }

    private static Path withBrokenLine(Path dir) throws IOException {
        Path file = SftFixtures.supportSample(dir, 40, 97);
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        lines.add(2, "{\"messages\": [{\"role\": \"user\", \"content\": \"unterminated");
        Files.write(file, lines);
        return file;
    }

    @Test
    void malformedLineStopsWithFileAndLineOrIsSkipped(@TempDir Path dir) throws IOException {
        Path file = withBrokenLine(dir);
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            assertThatThrownBy(() -> quick(SftFixtures.data(file, 128, 4), dir.resolve("stop"), new ByteArrayOutputStream()).maxSteps(1).build().fit())
                    .isInstanceOf(DataFormatException.class).hasMessageContaining(file + ":3");

            ByteArrayOutputStream log = new ByteArrayOutputStream();
            FitResult result = quick(SftFixtures.data(file, 128, 4).withMalformed(MalformedInputPolicy.SKIP), dir.resolve("skip"), log)
                    .maxSteps(2).build().fit();
            assertThat(result.dataStats().skippedTotal()).isEqualTo(1);
            assertThat(result.dataStats().examplesRead()).isEqualTo(40);
            assertThat(log.toString(StandardCharsets.UTF_8)).contains(file + ":3");
        }
    }

    @Test
    void divergingRunStopsAtTheNonFiniteStepAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) throws IOException {
        Path file = SftFixtures.supportSample(dir, 40, 97);
        Path out = dir.resolve("run");
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            Trainer trainer = quick(SftFixtures.data(file, 128, 4), out, new ByteArrayOutputStream())
                    .learningRate(1e30).warmupSteps(0).maxGradNorm(0).saveSteps(1).maxSteps(6).build();
            NonFiniteLossException e = (NonFiniteLossException) catchThrown(trainer);
            assertThat(e.step()).isBetween(2L, 6L);
            CheckpointStore store = new CheckpointStore(out.resolve("checkpoints"), OptionalInt.empty(), w -> { });
            assertThat(store.latest()).isPresent();
            assertThat(store.latest().get().step()).isEqualTo(e.step() - 1);
            assertThat(e.lastGoodCheckpoint()).contains(store.latest().get().directory());
            assertThat(e.getMessage()).contains("step " + e.step()).contains(store.latest().get().directory().toString());
            store.load(store.latest().get());
        }
    }

    @Test
    void fullDiskDuringACheckpointLeavesThePreviousOneIntact(@TempDir Path dir) throws IOException {
        Path file = SftFixtures.supportSample(dir, 40, 97);
        Path out = dir.resolve("run");
        AtomicInteger saves = new AtomicInteger();
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            Trainer trainer = quick(SftFixtures.data(file, 128, 4), out, new ByteArrayOutputStream()).saveSteps(2).maxSteps(6)
                    .decoratePayload(payload -> directory -> {
                        payload.writeTo(directory);
                        if (saves.incrementAndGet() == 2) throw new IOException("No space left on device");
                    }).build();
            Throwable e = catchThrown(trainer);
            assertThat(e).isInstanceOf(CheckpointWriteException.class).hasMessageContaining("checkpoint-4")
                    .hasMessageContaining("No space left on device").hasMessageContaining("checkpoint-2");
            CheckpointStore store = new CheckpointStore(out.resolve("checkpoints"), OptionalInt.empty(), w -> { });
            assertThat(store.complete()).extracting(CheckpointStore.Checkpoint::step).containsExactly(2L);
            store.load(store.latest().get());
            try (Stream<Path> left = Files.list(out.resolve("checkpoints"))) {
                assertThat(left.map(p -> p.getFileName().toString())).containsExactly("checkpoint-2");
            }
        }
    }

    @Test
    void examplesLongerThanTheSequenceLengthAreTruncatedAndCounted(@TempDir Path dir) throws IOException {
        Path file = SftFixtures.supportSample(dir, 40, 97);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            FitResult result = quick(SftFixtures.data(file, 48, 4), dir.resolve("run"), log).maxSteps(1).build().fit();
            assertThat(result.dataStats().truncated()).isGreaterThan(20);
            assertThat(log.toString(StandardCharsets.UTF_8)).contains(result.dataStats().truncated() + " truncated");
        }
    }

    private static Throwable catchThrown(Trainer trainer) {
        try {
            trainer.fit();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("fit() was expected to fail");
    }
}
