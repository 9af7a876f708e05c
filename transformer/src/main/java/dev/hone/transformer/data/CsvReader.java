package dev.hone.transformer.data;

import dev.hone.transformer.chat.Message;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads an RFC 4180 CSV file with a header row (UTF-8; quoted fields may span lines) record by record into chat
 * {@link Example}s: optional system turn, user turn, assistant turn, with label columns as metadata
 * ({@link CsvColumns}; detected from the header when none is given). A record that lacks a column or has an
 * empty assistant text is reported as {@code file:line} (its first line) through {@link InputProblems}; broken
 * quoting ends the file with a {@link DataFormatException}, since no later record can be trusted.
 */
public final class CsvReader extends ExampleReader {
    private final Path file;
    private final CSVParser parser;
    private final Iterator<CSVRecord> records;
    private final CsvColumns columns;
    private final InputProblems problems;
    private long lastLine;

    CsvReader(Path file, CsvColumns columnsOrNull, InputProblems problems) {
        this.file = file;
        this.problems = problems;
        try {
            Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
            CSVFormat format = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).setIgnoreEmptyLines(true).get();
            this.parser = CSVParser.parse(reader, format);
        } catch (IOException | UncheckedIOException e) {
            throw new DataFormatException("CSV " + file + ": cannot open or read the header: " + e.getMessage(), e);
        }
        this.columns = columnsOrNull != null ? columnsOrNull
                : CsvColumns.detect(new LinkedHashSet<>(parser.getHeaderNames()), file.toString());
        List<String> missing = new ArrayList<>();
        for (String column : required()) if (!parser.getHeaderMap().containsKey(column)) missing.add(column);
        if (!missing.isEmpty()) {
            close();
            throw new IllegalArgumentException("CSV " + file + ": header " + parser.getHeaderNames() + " lacks the columns " + missing);
        }
        this.records = parser.iterator();
        this.lastLine = parser.getCurrentLineNumber();
    }

    public CsvColumns columns() { return columns; }

    private List<String> required() {
        List<String> names = new ArrayList<>(List.of(columns.user(), columns.assistant()));
        columns.system().ifPresent(names::add);
        names.addAll(columns.labels());
        return names;
    }

    @Override
    protected Example readNext() {
        while (true) {
            CSVRecord record;
            SourceLocation where = new SourceLocation(file.toString(), lastLine + 1);
            try {
                if (!records.hasNext()) return null;
                record = records.next();
            } catch (UncheckedIOException | IllegalStateException e) {
                throw new DataFormatException(where + ": malformed CSV record: " + e.getMessage(), e);
            }
            lastLine = parser.getCurrentLineNumber();
            try {
                Example example = toExample(record, where);
                problems.stats().countRead();
                return example;
            } catch (DataFormatException problem) {
                problems.report(problem);
            }
        }
    }

    private Example toExample(CSVRecord record, SourceLocation where) {
        for (String column : required()) {
            if (!record.isSet(column)) {
                throw new DataFormatException(where, SkipReason.MISSING_FIELD, "column '" + column + "' is missing from this record");
            }
        }
        List<Message> messages = new ArrayList<>(3);
        columns.system().map(record::get).filter(s -> !s.isBlank()).ifPresent(s -> messages.add(Message.system(s)));
        messages.add(Message.user(record.get(columns.user())));
        String answer = record.get(columns.assistant());
        if (answer.isBlank()) throw new DataFormatException(where, SkipReason.EMPTY_ASSISTANT, "column '" + columns.assistant() + "' is empty");
        messages.add(Message.assistant(answer));
        Map<String, String> labels = new LinkedHashMap<>();
        for (String label : columns.labels()) labels.put(label, record.get(label));
        return new Example.Chat(messages, labels, where);
    }

    @Override
    public void close() {
        try {
            parser.close();
        } catch (IOException e) {
            throw new UncheckedIOException("CSV " + file + ": close failed", e);
        }
    }
}
