package dev.hone.transformer.tokenizer;

import java.util.Arrays;

/** A growable list of token ids without boxing; used while encoding. */
final class IntList {
    private int[] values;
    private int size;

    IntList(int capacity) { values = new int[Math.max(4, capacity)]; }

    void add(int value) {
        if (size == values.length) values = Arrays.copyOf(values, size * 2);
        values[size++] = value;
    }

    void addAll(int[] more) { for (int v : more) add(v); }

    int size() { return size; }

    int[] toArray() { return Arrays.copyOf(values, size); }
}
