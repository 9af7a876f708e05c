package dev.hone.transformer.data;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A streaming reader of {@link Example}s: it holds one line or record at a time, so files larger than memory can
 * be read. Problems are handed to the preparation's {@link InputProblems} (skip or stop). Close it when done.
 * Subclasses implement {@link #readNext()}; iteration is single-pass.
 */
public abstract sealed class ExampleReader implements Iterator<Example>, AutoCloseable permits JsonlReader, CsvReader {
    private Example lookahead;
    private boolean finished;

    /** The next usable example, or null at the end of the input. */
    protected abstract Example readNext();

    @Override
    public final boolean hasNext() {
        if (lookahead == null && !finished) {
            lookahead = readNext();
            finished = lookahead == null;
        }
        return lookahead != null;
    }

    @Override
    public final Example next() {
        if (!hasNext()) throw new NoSuchElementException("ExampleReader: no more examples");
        Example out = lookahead;
        lookahead = null;
        return out;
    }

    /** Releases the file; never throws a checked exception. */
    @Override
    public abstract void close();
}
