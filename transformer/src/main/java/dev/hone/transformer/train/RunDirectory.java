package dev.hone.transformer.train;

import dev.hone.tensor.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The layout of a run's {@code output_dir}: the final {@code adapter/} (PEFT files, or the weights of a full
 * fine-tune), {@code checkpoints/checkpoint-<step>/}, {@code metrics.csv} and {@code metrics.jsonl},
 * {@code loss_curve.png}, {@code summary.json} and {@code summary.txt}, and {@code config.yaml} (the effective
 * config, every key with its value). One place names these paths; nothing else builds them.
 */
public record RunDirectory(Path root) {

    /** The layout under {@code root}, creating {@code root} and {@code checkpoints/}; a regular file in the way is an error. */
    public static RunDirectory create(Path root) {
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new IllegalArgumentException("output_dir " + root + " exists and is not a directory");
        }
        RunDirectory run = new RunDirectory(root);
        try {
            Files.createDirectories(run.checkpoints());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create output_dir " + root + ": " + e, e);
        }
        return run;
    }

    public Path adapter() { return root.resolve("adapter"); }

    public Path checkpoints() { return root.resolve("checkpoints"); }

    public Path metricsCsv() { return root.resolve("metrics.csv"); }

    public Path metricsJsonl() { return root.resolve("metrics.jsonl"); }

    public Path lossCurvePng() { return root.resolve("loss_curve.png"); }

    public Path summaryJson() { return root.resolve("summary.json"); }

    public Path summaryText() { return root.resolve("summary.txt"); }

    public Path effectiveConfig() { return root.resolve("config.yaml"); }

    /** Writes {@link #effectiveConfig()} whole or not at all. */
    public void writeEffectiveConfig(String yaml) {
        try {
            AtomicFiles.writeString(effectiveConfig(), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + effectiveConfig() + ": " + e, e);
        }
    }
}
