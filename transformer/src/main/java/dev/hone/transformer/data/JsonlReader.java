package dev.hone.transformer.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a JSON Lines file (one JSON object per line, UTF-8; blank lines ignored) line by line into
 * {@link Example}s of one {@link JsonlFormat} ({@code AUTO}: decided by the first line that parses), their content
 * under the keys {@link JsonlFields} names. A line that
 * is not one JSON value, or that lacks the format's fields, is reported as {@code file:line} through
 * {@link InputProblems}.
 */
public final class JsonlReader extends ExampleReader {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path file;
    private final String fileName;
    private final BufferedReader lines;
    private final InputProblems problems;
    private final JsonlFields fields;
    private JsonlFormat format;
    private long lineNumber;

    JsonlReader(Path file, JsonlFormat format, JsonlFields fields, InputProblems problems) {
        this.file = file;
        this.fields = fields;
        this.fileName = file.toString();
        this.format = format;
        this.problems = problems;
        try {
            this.lines = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DataFormatException("JSONL " + file + ": cannot open: " + e.getMessage(), e);
        }
    }

    /** The format in use: the one given, or the one detected once the first line has been read. */
    public JsonlFormat format() { return format; }

    @Override
    protected Example readNext() {
        while (true) {
            String line = nextLine();
            if (line == null) return null;
            if (line.isBlank()) continue;
            SourceLocation where = new SourceLocation(fileName, lineNumber);
            try {
                JsonNode node = parseJson(line, where);
                if (format == JsonlFormat.AUTO) format = JsonExampleParser.detect(node, fields, where);
                Example example = JsonExampleParser.parse(node, format, fields, where);
                problems.stats().countRead();
                return example;
            } catch (DataFormatException problem) {
                problems.report(problem);
            }
        }
    }

    private static JsonNode parseJson(String line, SourceLocation where) {
        try {
            return JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new DataFormatException(where, SkipReason.MALFORMED_JSON, e.getOriginalMessage());
        }
    }

    private String nextLine() {
        try {
            String line = lines.readLine();
            if (line != null) lineNumber++;
            return line;
        } catch (IOException e) {
            throw new UncheckedIOException("JSONL " + file + ":" + (lineNumber + 1) + ": read failed", e);
        }
    }

    @Override
    public void close() {
        try {
            lines.close();
        } catch (IOException e) {
            throw new UncheckedIOException("JSONL " + file + ": close failed", e);
        }
    }
}
