package dev.hone.transformer.data;

/**
 * Where an example came from: a file and its 1-based line (for CSV, the line on which the record starts).
 * Printed as {@code file:line}, the form editors and terminals link to.
 */
public record SourceLocation(String file, long line) {
    @Override
    public String toString() { return file + ":" + line; }
}
