package dev.hone.transformer.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hone.transformer.train.config.ResumeFrom;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The {@code checkpoints/} directory of a run: {@code checkpoint-<step>/} holding {@code trainer_state.json},
 * {@code scheduler.json}, {@code optimizer.safetensors}, the trainer's {@link CheckpointPayload} files (adapter
 * or weights) and, written last, {@code checkpoint_complete.json} listing every file with its size and CRC-32C.
 *
 * <p>Atomicity: a checkpoint is written into a hidden temporary directory, every file and directory is fsynced,
 * the marker is written and fsynced, and only then is the directory renamed into place (one atomic rename) and
 * the parent fsynced. A failure at any point (a full disk surfaces as an IOException) deletes the temporary
 * directory and throws {@link CheckpointWriteException}; earlier checkpoints are never touched before the new
 * one is complete. {@link #complete()} and {@link #latest()} only return directories whose marker matches their
 * files; others are skipped with a warning. Retention ({@code save_total_limit}) keeps the newest N complete
 * checkpoints plus the best one (by eval loss) and runs only after a successful save.
 */
public final class CheckpointStore {
    public static final String TRAINER_STATE = "trainer_state.json";
    public static final String SCHEDULER = "scheduler.json";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String MARKER = "checkpoint_complete.json";
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
    private static final String TEMP_PREFIX = ".tmp-checkpoint-";
    private static final String OLD_PREFIX = ".old-checkpoint-";

    /** A complete checkpoint on disk. */
    public record Checkpoint(long step, Path directory) {
        public String name() { return directory.getFileName().toString(); }
    }

    /** A checkpoint read back for resuming. */
    public record Loaded(Checkpoint checkpoint, TrainerState state, SchedulerState scheduler) {
        public Path optimizerFile() { return checkpoint.directory().resolve(OPTIMIZER); }
    }

    private final Path root;
    private final OptionalInt keepLast;
    private final Consumer<String> warnings;
    private final ObjectMapper json = new ObjectMapper();

    /** @param keepLast {@code save_total_limit}: how many recent checkpoints to keep (the best is kept besides); empty keeps all */
    public CheckpointStore(Path root, OptionalInt keepLast, Consumer<String> warnings) {
        if (keepLast.isPresent() && keepLast.getAsInt() < 1) throw new IllegalArgumentException("CheckpointStore: keepLast " + keepLast + " < 1");
        this.root = root;
        this.keepLast = keepLast;
        this.warnings = warnings;
    }

    public Path root() { return root; }

    /** Writes checkpoint-{@code state.globalStep()} atomically (see the class comment), then applies retention. */
    public Checkpoint save(TrainerState state, SchedulerState scheduler, OptimizerState optimizer, CheckpointPayload payload) {
        long step = state.globalStep();
        Path temp = null;
        try {
            Files.createDirectories(root);
            removeLeftovers();
            temp = root.resolve(TEMP_PREFIX + step + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            Files.createDirectory(temp);
            writeJson(temp.resolve(TRAINER_STATE), TrainerStateJson.toJson(state));
            writeJson(temp.resolve(SCHEDULER), TrainerStateJson.toJson(scheduler));
            optimizer.writeTo(temp.resolve(OPTIMIZER));
            payload.writeTo(temp);
            ObjectNode marker = json.createObjectNode();
            marker.put("step", step);
            ObjectNode files = marker.putObject("files");
            for (Path file : regularFiles(temp)) {
                forceFile(file);
                files.putObject(temp.relativize(file).toString().replace('\\', '/')).put("bytes", Files.size(file)).put("crc32c", crc32c(file));
            }
            writeJson(temp.resolve(MARKER), marker);
            for (Path dir : directories(temp)) forceDirectory(dir);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temp, e);
            throw new CheckpointWriteException(step, root, latest().map(Checkpoint::directory), e);
        }
        Path target = checkpointDirectory(step);
        try {
            moveIntoPlace(temp, target);
        } catch (IOException e) {
            deleteQuietly(temp, e);
            throw new CheckpointWriteException(step, root, latest().map(Checkpoint::directory), e);
        }
        Checkpoint saved = new Checkpoint(step, target);
        applyRetention(saved, state.bestCheckpoint());
        return saved;
    }

    /** The directory checkpoint {@code step} has (or would have). */
    public Path checkpointDirectory(long step) { return root.resolve("checkpoint-" + step); }

    /** Every complete checkpoint, oldest first; incomplete or corrupt ones are reported to the warnings sink. */
    public List<Checkpoint> complete() {
        List<Checkpoint> out = new ArrayList<>();
        for (Path dir : directories()) {
            long step = stepOf(dir);
            Optional<String> problem = problem(dir, step);
            if (problem.isPresent()) warnings.accept("ignoring checkpoint " + dir + ": " + problem.get());
            else out.add(new Checkpoint(step, dir));
        }
        return out;
    }

    /** Every checkpoint-<step> directory, complete or not, in step order. */
    public List<Path> directories() {
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(dir -> Files.isDirectory(dir) && NAME.matcher(dir.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong(CheckpointStore::stepOf))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("CheckpointStore: cannot list " + root + ": " + e, e);
        }
    }

    /** The step in a checkpoint-<step> directory's name. */
    private static long stepOf(Path dir) {
        Matcher m = NAME.matcher(dir.getFileName().toString());
        if (!m.matches()) throw new IllegalArgumentException("CheckpointStore: " + dir + " is not a checkpoint-<step> directory");
        return Long.parseLong(m.group(1));
    }

    /** The newest complete checkpoint. */
    public Optional<Checkpoint> latest() {
        List<Checkpoint> all = complete();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
    }

    /**
     * The checkpoint to resume from: none for a fresh run; for "latest" the newest complete one (none, with a
     * warning, when there is none yet: the run starts from scratch); for a directory that one, which must be complete.
     */
    public Optional<Loaded> resume(ResumeFrom from) {
        return switch (from) {
            case ResumeFrom.Fresh f -> Optional.empty();
            case ResumeFrom.Latest l -> {
                Optional<Checkpoint> c = latest();
                if (c.isEmpty()) warnings.accept("resume_from_checkpoint: no complete checkpoint in " + root + "; starting from step 0");
                yield c.map(this::load);
            }
            case ResumeFrom.Directory d -> {
                Matcher m = NAME.matcher(d.checkpoint().getFileName().toString());
                if (!m.matches()) throw new IllegalArgumentException("resume_from_checkpoint: " + d.checkpoint() + " is not a checkpoint-<step> directory");
                long step = Long.parseLong(m.group(1));
                Optional<String> problem = problem(d.checkpoint(), step);
                if (problem.isPresent()) throw new IllegalArgumentException("resume_from_checkpoint: " + d.checkpoint() + " is not usable: " + problem.get());
                yield Optional.of(load(new Checkpoint(step, d.checkpoint())));
            }
        };
    }

    /** Reads a complete checkpoint's state after verifying every file's CRC-32C against the marker. */
    public Loaded load(Checkpoint c) {
        try {
            JsonNode files = json.readTree(c.directory().resolve(MARKER).toFile()).get("files");
            for (Map.Entry<String, JsonNode> f : files.properties()) {
                long actual = crc32c(c.directory().resolve(f.getKey()));
                if (actual != f.getValue().get("crc32c").asLong()) {
                    throw new IllegalStateException("checkpoint " + c.directory() + ": " + f.getKey() + " is corrupt (CRC-32C " + actual
                            + ", marker says " + f.getValue().get("crc32c").asLong() + "); resume from an earlier checkpoint");
                }
            }
            TrainerState state = TrainerStateJson.fromJson(json.readTree(c.directory().resolve(TRAINER_STATE).toFile()));
            SchedulerState scheduler = TrainerStateJson.schedulerFromJson(json.readTree(c.directory().resolve(SCHEDULER).toFile()));
            return new Loaded(c, state, scheduler);
        } catch (IOException e) {
            throw new UncheckedIOException("CheckpointStore.load: cannot read " + c.directory() + ": " + e, e);
        }
    }

    /** Why {@code dir} is not a complete checkpoint of {@code step}, or empty when it is. Cheap: sizes, not checksums. */
    private Optional<String> problem(Path dir, long step) {
        Path marker = dir.resolve(MARKER);
        if (!Files.isRegularFile(marker)) return Optional.of("no " + MARKER + " (the write did not finish)");
        try {
            JsonNode m = json.readTree(marker.toFile());
            if (m == null || m.path("step").asLong(-1) != step) return Optional.of(MARKER + " is for step " + (m == null ? null : m.get("step")));
            JsonNode files = m.get("files");
            if (files == null || !files.isObject()) return Optional.of(MARKER + " lists no files");
            for (Map.Entry<String, JsonNode> f : files.properties()) {
                Path file = dir.resolve(f.getKey()).normalize();
                if (!file.startsWith(dir) || !Files.isRegularFile(file)) return Optional.of(f.getKey() + " is missing");
                if (Files.size(file) != f.getValue().path("bytes").asLong(-1)) {
                    return Optional.of(f.getKey() + " has " + Files.size(file) + " bytes, " + MARKER + " says " + f.getValue().path("bytes"));
                }
            }
            for (String required : List.of(TRAINER_STATE, SCHEDULER, OPTIMIZER)) {
                if (!files.has(required)) return Optional.of(required + " is missing");
            }
            TrainerState s = TrainerStateJson.fromJson(json.readTree(dir.resolve(TRAINER_STATE).toFile()));
            if (s.globalStep() != step) return Optional.of(TRAINER_STATE + " has global_step " + s.globalStep());
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of("unreadable (" + e.getMessage() + ")");
        }
    }

    /** Keeps the newest {@code keepLast} complete checkpoints, {@code saved} and the best; deletes the other complete ones. */
    private void applyRetention(Checkpoint saved, Optional<String> best) {
        if (keepLast.isEmpty()) return;
        List<Checkpoint> all = complete();
        Set<Path> keep = new HashSet<>();
        keep.add(saved.directory());
        for (int i = Math.max(0, all.size() - keepLast.getAsInt()); i < all.size(); i++) keep.add(all.get(i).directory());
        best.ifPresent(b -> keep.add(root.resolve(b)));
        for (Checkpoint c : all) {
            if (keep.contains(c.directory())) continue;
            try {
                deleteTree(c.directory());
            } catch (IOException e) {
                warnings.accept("save_total_limit: cannot delete " + c.directory() + ": " + e);
            }
        }
    }

    /** Renames {@code temp} to {@code target}; an existing target (the same step saved again) is replaced. */
    private void moveIntoPlace(Path temp, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            old = root.resolve(OLD_PREFIX + target.getFileName() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (old != null) Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            throw e;
        }
        forceDirectory(root);
        if (old != null) deleteTree(old);
    }

    /** Temporary directories of writes that did not finish (a killed process). */
    private void removeLeftovers() throws IOException {
        try (Stream<Path> children = Files.list(root)) {
            for (Path p : children.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(TEMP_PREFIX) || name.startsWith(OLD_PREFIX)) {
                    warnings.accept("removing the unfinished checkpoint write " + p);
                    deleteTree(p);
                }
            }
        }
    }

    private static void writeJson(Path file, JsonNode node) throws IOException {
        byte[] bytes = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
    }

    private static List<Path> regularFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static List<Path> directories(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
        }
    }

    private static void forceFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** Syncs a directory's entries; platforms that cannot open a directory as a channel keep the atomic rename without this guarantee. */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // directory channels are unsupported here (e.g. Windows); the files themselves were forced
        }
    }

    static long crc32c(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) crc.update(buffer, 0, n);
        }
        return crc.getValue();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static void deleteQuietly(Path dir, Exception failure) {
        if (dir == null) return;
        try {
            deleteTree(dir);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** The files a marker lists with their sizes (for tools and tests). */
    public Map<String, Long> listedFiles(Checkpoint c) {
        try {
            Map<String, Long> out = new TreeMap<>();
            json.readTree(c.directory().resolve(MARKER).toFile()).get("files").properties()
                    .forEach(e -> out.put(e.getKey(), e.getValue().get("bytes").asLong()));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("CheckpointStore: cannot read " + c.directory().resolve(MARKER) + ": " + e, e);
        }
    }
}
