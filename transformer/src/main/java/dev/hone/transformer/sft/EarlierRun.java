package dev.hone.transformer.sft;

import dev.hone.transformer.train.RunDirectory;
import dev.hone.transformer.train.checkpoint.CheckpointStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a fresh run does with an earlier run's checkpoints in its output directory: writing over them (and over the
 * metrics) would lose that run, so it is refused, unless overwrite_output_dir asks for exactly that, in which case
 * the old checkpoints go first (a stale checkpoint-900 beside the new run's checkpoint-100 would be "latest" to a
 * later resume).
 */
final class EarlierRun {
    private EarlierRun() { }

    static void clearOrRefuse(RunDirectory run, boolean overwrite, Consumer<String> warnings) {
        List<Path> earlier = new CheckpointStore(run.checkpoints(), OptionalInt.empty(), warnings).directories();
        if (earlier.isEmpty()) return;
        String names = earlier.stream().map(p -> p.getFileName().toString()).collect(Collectors.joining(", "));
        if (!overwrite) {
            throw new IllegalArgumentException("output_dir " + run.root() + " already holds an earlier run (" + names + "); resume it with "
                    + "resume_from_checkpoint: latest (hone finetune --resume), choose another output_dir, or set overwrite_output_dir: true "
                    + "to delete it and start over");
        }
        warnings.accept("overwrite_output_dir: deleting the earlier run's checkpoints in " + run.checkpoints() + " (" + names + ")");
        for (Path dir : earlier) deleteTree(dir);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException("overwrite_output_dir: cannot delete " + dir + ": " + e, e);
        }
    }
}
