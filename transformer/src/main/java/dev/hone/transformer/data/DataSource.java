package dev.hone.transformer.data;

import java.nio.file.Path;
import java.util.Locale;

/**
 * A data file and how to read it: {@link Jsonl} (a {@link JsonlFormat}, {@code AUTO} by default) or {@link Csv}
 * (a {@link CsvColumns} mapping, or null to detect it from the header). {@link #of(Path)} picks by extension.
 */
public sealed interface DataSource {

    Path file();

    /** A streaming reader of this file's examples; problems go to {@code problems}. */
    ExampleReader open(InputProblems problems);

    /** {@code fields}: the keys the content is read from ({@link JsonlFields#STANDARD} unless the config names others). */
    record Jsonl(Path file, JsonlFormat format, JsonlFields fields) implements DataSource {
        public Jsonl(Path file, JsonlFormat format) { this(file, format, JsonlFields.STANDARD); }

        @Override
        public ExampleReader open(InputProblems problems) { return new JsonlReader(file, format, fields, problems); }
    }

    /** {@code columns} may be null: detected from the header. */
    record Csv(Path file, CsvColumns columns) implements DataSource {
        @Override
        public ExampleReader open(InputProblems problems) { return new CsvReader(file, columns, problems); }
    }

    /** {@code .csv} → CSV with detected columns; {@code .jsonl}, {@code .json}, {@code .ndjson} → JSONL, format AUTO. */
    static DataSource of(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) return new Csv(file, null);
        if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) return new Jsonl(file, JsonlFormat.AUTO);
        throw new IllegalArgumentException("data file " + file + ": unknown type (expected .jsonl, .json, .ndjson or .csv)");
    }
}
