package dev.hone.transformer.train.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Appends {@link MetricsRow}s to {@code metrics.csv} and {@code metrics.jsonl}, flushing each row, so a killed
 * run loses at most the row being written. {@link #resume} keeps only the rows up to the resumed step (the
 * checkpoint's step) and drops the rest, including a torn last line, so that after a resume the files hold
 * exactly what an uninterrupted run would have written. Rewrites go through a temporary file and an atomic
 * rename; appends never rewrite.
 */
public final class MetricsLogger implements AutoCloseable {
    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder().setRecordSeparator('\n').get();

    private final Path csvPath;
    private final Path jsonlPath;
    private final Writer csvWriter;
    private final CSVPrinter csv;
    private final Writer jsonl;
    private final ObjectMapper json = new ObjectMapper();
    private final List<MetricsRow> rows;

    private MetricsLogger(Path csvPath, Path jsonlPath, List<MetricsRow> kept) throws IOException {
        this.csvPath = csvPath;
        this.jsonlPath = jsonlPath;
        this.rows = new ArrayList<>(kept);
        this.csvWriter = Files.newBufferedWriter(csvPath, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        this.csv = new CSVPrinter(csvWriter, FORMAT);
        this.jsonl = Files.newBufferedWriter(jsonlPath, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** A fresh run: both files are replaced by empty ones (the CSV with its header). */
    public static MetricsLogger start(Path csvPath, Path jsonlPath) {
        try {
            rewrite(csvPath, List.of(), MetricsLogger::csvText);
            rewrite(jsonlPath, List.of(), MetricsLogger::jsonlText);
            return new MetricsLogger(csvPath, jsonlPath, List.of());
        } catch (IOException e) {
            throw new UncheckedIOException("MetricsLogger.start: cannot create " + csvPath + " and " + jsonlPath + ": " + e, e);
        }
    }

    /**
     * A resumed run: rows with step &lt;= {@code resumedStep} are kept (unreadable lines are dropped with a
     * warning), later ones are removed; a missing file starts empty.
     */
    public static MetricsLogger resume(Path csvPath, Path jsonlPath, long resumedStep, Consumer<String> warnings) {
        try {
            List<MetricsRow> fromCsv = upTo(readCsv(csvPath, warnings), resumedStep);
            List<MetricsRow> fromJsonl = upTo(readJsonl(jsonlPath, warnings), resumedStep);
            rewrite(csvPath, fromCsv, MetricsLogger::csvText);
            rewrite(jsonlPath, fromJsonl, MetricsLogger::jsonlText);
            return new MetricsLogger(csvPath, jsonlPath, fromJsonl.size() >= fromCsv.size() ? fromJsonl : fromCsv);
        } catch (IOException e) {
            throw new UncheckedIOException("MetricsLogger.resume: cannot rewrite " + csvPath + " and " + jsonlPath + " at step "
                    + resumedStep + ": " + e, e);
        }
    }

    /** Appends one row to both files and flushes them. */
    public void log(MetricsRow row) {
        try {
            csv.printRecord(row.toCsvCells());
            csv.flush();
            jsonl.write(json.writeValueAsString(row.toJson()));
            jsonl.write('\n');
            jsonl.flush();
            rows.add(row);
        } catch (IOException e) {
            throw new UncheckedIOException("MetricsLogger.log: cannot append step " + row.step() + " to " + csvPath + " / " + jsonlPath + ": " + e, e);
        }
    }

    /** Every row of this run so far, kept ones from before a resume included. */
    public List<MetricsRow> rows() { return List.copyOf(rows); }

    @Override
    public void close() {
        try (Writer a = csvWriter; Writer b = jsonl) {
            csv.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("MetricsLogger.close: " + csvPath + ": " + e, e);
        }
    }

    /** The rows of a metrics.csv; a missing file is empty; unreadable records are skipped with a warning naming file:line. */
    public static List<MetricsRow> readCsv(Path path, Consumer<String> warnings) throws IOException {
        List<MetricsRow> out = new ArrayList<>();
        if (!Files.exists(path)) return out;
        try (CSVParser parser = CSVParser.parse(path, StandardCharsets.UTF_8, FORMAT.builder().setHeader().setSkipHeaderRecord(true).get())) {
            if (!parser.getHeaderNames().equals(MetricsRow.COLUMNS)) {
                warnings.accept(path + ": header " + parser.getHeaderNames() + " is not " + MetricsRow.COLUMNS + "; its rows are dropped");
                return out;
            }
            for (CSVRecord r : parser) {
                try {
                    out.add(MetricsRow.fromCsvCells(r.toList()));
                } catch (IllegalArgumentException e) {
                    warnings.accept(path + ":" + (r.getRecordNumber() + 1) + ": dropping an unreadable row (" + e.getMessage() + ")");
                }
            }
        }
        return out;
    }

    /** The rows of a metrics.jsonl; a missing file is empty; unreadable lines are skipped with a warning naming file:line. */
    public static List<MetricsRow> readJsonl(Path path, Consumer<String> warnings) throws IOException {
        List<MetricsRow> out = new ArrayList<>();
        if (!Files.exists(path)) return out;
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            try {
                out.add(MetricsRow.fromJson(json.readTree(lines.get(i))));
            } catch (IOException | IllegalArgumentException e) {
                warnings.accept(path + ":" + (i + 1) + ": dropping an unreadable line (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
        }
        return out;
    }

    private static List<MetricsRow> upTo(List<MetricsRow> rows, long step) {
        return rows.stream().filter(r -> r.step() <= step).toList();
    }

    private interface Render { String text(List<MetricsRow> rows) throws IOException; }

    private static String csvText(List<MetricsRow> rows) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (CSVPrinter p = new CSVPrinter(sb, FORMAT)) {
            p.printRecord(MetricsRow.COLUMNS);
            for (MetricsRow r : rows) p.printRecord(r.toCsvCells());
        }
        return sb.toString();
    }

    private static String jsonlText(List<MetricsRow> rows) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder sb = new StringBuilder();
        for (MetricsRow r : rows) sb.append(json.writeValueAsString(r.toJson())).append('\n');
        return sb.toString();
    }

    /** Replaces {@code path} by {@code rows} through a temporary file and an atomic rename. */
    private static void rewrite(Path path, List<MetricsRow> rows, Render render) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + path.getFileName(), ".tmp");
        try {
            try (BufferedWriter w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                w.write(render.text(rows));
            }
            Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
