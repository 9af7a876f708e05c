package dev.hone.transformer.data;

/**
 * How many examples the train/validation split puts in validation (Axolotl's {@code val_set_size}): a
 * {@link Fraction} of the examples (rounded up, as Hugging Face's {@code train_test_split}) or an absolute
 * {@link Count}. Either must leave at least one training example.
 */
public sealed interface ValidationSize {

    /** Validation size for {@code total} examples. */
    int of(int total);

    /** Axolotl's reading of {@code val_set_size}: below 1 a fraction, otherwise a whole count. */
    static ValidationSize parse(double value) {
        if (value < 1) return new Fraction(value);
        if (value != Math.rint(value)) throw new IllegalArgumentException("val_set_size " + value + ": a count must be a whole number");
        return new Count((int) value);
    }

    record Fraction(double fraction) implements ValidationSize {
        public Fraction {
            if (!(fraction >= 0 && fraction < 1)) throw new IllegalArgumentException("val_set_size fraction must be in [0, 1), got " + fraction);
        }

        @Override
        public int of(int total) { return check((int) Math.ceil(fraction * total - 1e-9), total, toString()); }

        @Override
        public String toString() { return fraction + " of the examples"; }
    }

    record Count(int count) implements ValidationSize {
        public Count {
            if (count < 0) throw new IllegalArgumentException("val_set_size count must be >= 0, got " + count);
        }

        @Override
        public int of(int total) { return check(count, total, toString()); }

        @Override
        public String toString() { return count + " examples"; }
    }

    private static int check(int size, int total, String asked) {
        if (size > 0 && size >= total) {
            throw new IllegalArgumentException("val_set_size " + asked + " leaves no training example out of " + total);
        }
        return size;
    }
}
