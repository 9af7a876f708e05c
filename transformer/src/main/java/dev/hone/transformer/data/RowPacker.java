package dev.hone.transformer.data;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Groups tokenized examples into {@link PackedRow}s. {@link Packing#PADDED}: one example per row.
 * {@link Packing#PACKED}: first-fit over a window of the {@value #OPEN_ROWS} most recently opened rows, in the
 * given order — an example goes into the oldest open row with room for it (total within {@code sequenceLen}),
 * else opens a new row; when more than {@value #OPEN_ROWS} rows are open the oldest is closed. The window keeps
 * the cost linear in the number of examples while filling rows far better than next-fit. Rows come out in the
 * order they were opened. Every example must fit {@code sequenceLen} (the {@link ExampleEncoder} guarantees it).
 */
public final class RowPacker {
    static final int OPEN_ROWS = 64;

    private RowPacker() {}

    private static final class OpenRow {
        final List<TokenizedExample> examples = new ArrayList<>();
        int used;
    }

    public static List<PackedRow> pack(List<TokenizedExample> examples, int sequenceLen, Packing packing) {
        List<PackedRow> rows = new ArrayList<>();
        Deque<OpenRow> open = new ArrayDeque<>();
        int window = packing == Packing.PACKED ? OPEN_ROWS : 0;
        for (TokenizedExample e : examples) {
            if (e.length() > sequenceLen) {
                throw new IllegalArgumentException("RowPacker: example " + e.example().source() + " has " + e.length()
                        + " tokens, more than sequence_len " + sequenceLen);
            }
            OpenRow target = null;
            for (OpenRow row : open) {
                if (row.used + e.length() <= sequenceLen) {
                    target = row;
                    break;
                }
            }
            if (target == null) {
                target = new OpenRow();
                open.addLast(target);
            }
            target.examples.add(e);
            target.used += e.length();
            if (open.size() > window) rows.add(PackedRow.of(open.removeFirst().examples));
        }
        for (OpenRow row : open) rows.add(PackedRow.of(row.examples));
        return rows;
    }
}
