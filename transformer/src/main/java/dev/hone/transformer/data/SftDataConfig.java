package dev.hone.transformer.data;

import java.util.List;
import java.util.Optional;

/**
 * Settings of SFT data preparation, named after Axolotl's keys where one exists: the training files
 * ({@code datasets}), an explicit validation file or {@code val_set_size} (default 10%), {@code sequence_len},
 * {@code train_on_inputs} ({@link TrainOn}), what to do with overlong examples, duplicates and malformed lines,
 * {@link Packing} ({@code sample_packing}, on by default) and the {@code seed}. Start from {@link #defaults} and
 * change fields with the {@code with…} methods.
 */
public record SftDataConfig(
        List<DataSource> train,
        Optional<DataSource> validation,
        ValidationSize valSetSize,
        int sequenceLen,
        TrainOn trainOn,
        OverlongPolicy overlong,
        DuplicatePolicy duplicates,
        MalformedInputPolicy malformed,
        Packing packing,
        long seed) {

    public SftDataConfig {
        train = List.copyOf(train);
        if (train.isEmpty()) throw new IllegalArgumentException("SftDataConfig: no training data file given");
        if (sequenceLen < 2) throw new IllegalArgumentException("SftDataConfig: sequence_len must be at least 2, got " + sequenceLen);
    }

    /**
     * Validation 10% of the training file, assistant-only loss, truncation, duplicate removal, skipping malformed
     * lines, packing, seed 42.
     */
    public static SftDataConfig defaults(DataSource train, int sequenceLen) {
        return new SftDataConfig(List.of(train), Optional.empty(), new ValidationSize.Fraction(0.1), sequenceLen, TrainOn.ASSISTANT,
                OverlongPolicy.TRUNCATE, DuplicatePolicy.REMOVE, MalformedInputPolicy.SKIP, Packing.PACKED, 42);
    }

    public SftDataConfig withValidation(DataSource file) {
        return new SftDataConfig(train, Optional.of(file), valSetSize, sequenceLen, trainOn, overlong, duplicates, malformed, packing, seed);
    }

    public SftDataConfig withValSetSize(ValidationSize size) {
        return new SftDataConfig(train, validation, size, sequenceLen, trainOn, overlong, duplicates, malformed, packing, seed);
    }

    public SftDataConfig withTrainOn(TrainOn value) {
        return new SftDataConfig(train, validation, valSetSize, sequenceLen, value, overlong, duplicates, malformed, packing, seed);
    }

    public SftDataConfig withOverlong(OverlongPolicy value) {
        return new SftDataConfig(train, validation, valSetSize, sequenceLen, trainOn, value, duplicates, malformed, packing, seed);
    }

    public SftDataConfig withDuplicates(DuplicatePolicy value) {
        return new SftDataConfig(train, validation, valSetSize, sequenceLen, trainOn, overlong, value, malformed, packing, seed);
    }

    public SftDataConfig withMalformed(MalformedInputPolicy value) {
        return new SftDataConfig(train, validation, valSetSize, sequenceLen, trainOn, overlong, duplicates, value, packing, seed);
    }

    public SftDataConfig withPacking(Packing value) {
        return new SftDataConfig(train, validation, valSetSize, sequenceLen, trainOn, overlong, duplicates, malformed, value, seed);
    }

    public SftDataConfig withSeed(long value) {
        return new SftDataConfig(train, validation, valSetSize, sequenceLen, trainOn, overlong, duplicates, malformed, packing, value);
    }
}
