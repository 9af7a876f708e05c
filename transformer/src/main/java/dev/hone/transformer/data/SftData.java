package dev.hone.transformer.data;

import dev.hone.transformer.chat.ChatTemplate;
import dev.hone.transformer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Prepared supervised fine-tuning data: the training and validation examples as tokens, packed into rows, with the
 * {@link DataStats} of the preparation. {@link #prepare} streams each file once (holding one line at a time; the
 * tokens of the kept examples stay in memory, 4 bytes per token), removes exact duplicates, tokenizes, and splits:
 * with an explicit validation file that file is the validation set, otherwise a seeded random {@code val_set_size}
 * of the examples (the rest keep their file order). Validation examples whose content also occurs in training are
 * counted and warned about (data contamination). Training rows are packed in a seeded order; validation rows in
 * file order. Everything depends only on the files, the tokenizer and the config, so reruns are identical.
 */
public record SftData(List<TokenizedExample> train, List<TokenizedExample> validation, List<PackedRow> trainRows,
                      List<PackedRow> validationRows, SftDataConfig config, int padId, DataStats stats) {

    public SftData {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
        trainRows = List.copyOf(trainRows);
        validationRows = List.copyOf(validationRows);
    }

    private record Encoded(TokenizedExample tokens, ExampleFingerprint fingerprint) {}

    /** Reads, tokenizes, splits and packs; warnings (skipped lines, contamination) go to {@code warnings}. */
    public static SftData prepare(SftDataConfig config, Tokenizer tokenizer, ChatTemplate template, Consumer<String> warnings) {
        DataStats stats = new DataStats();
        InputProblems problems = new InputProblems(config.malformed(), stats, warnings);
        ExampleEncoder encoder = new ExampleEncoder(tokenizer, template, config.sequenceLen(), config.trainOn(), config.overlong());
        List<Encoded> train = read(config.train(), config.duplicates(), encoder, problems);
        if (train.isEmpty()) throw noExamples(config, stats);
        List<Encoded> validation;
        if (config.validation().isPresent()) {
            validation = read(List.of(config.validation().get()), config.duplicates(), encoder, problems);
        } else {
            boolean[] isValidation = splitMask(train.size(), config.valSetSize(), config.seed());
            List<Encoded> kept = new ArrayList<>();
            validation = new ArrayList<>();
            for (int i = 0; i < train.size(); i++) (isValidation[i] ? validation : kept).add(train.get(i));
            train = kept;
        }
        if (train.isEmpty()) throw noExamples(config, stats);
        countContamination(train, validation, stats, warnings);

        List<TokenizedExample> trainTokens = train.stream().map(Encoded::tokens).toList();
        List<TokenizedExample> validationTokens = validation.stream().map(Encoded::tokens).toList();
        int[] packingOrder = SeededShuffle.permutation(trainTokens.size(), config.seed(), SeededShuffle.PACKING);
        List<TokenizedExample> shuffled = Arrays.stream(packingOrder).mapToObj(trainTokens::get).toList();
        List<PackedRow> trainRows = RowPacker.pack(shuffled, config.sequenceLen(), config.packing());
        List<PackedRow> validationRows = RowPacker.pack(validationTokens, config.sequenceLen(), config.packing());
        stats.countTrain(trainTokens.size(), tokenCount(trainTokens), trainTokens.stream().mapToLong(TokenizedExample::targetCount).sum(),
                trainRows.size());
        stats.countValidation(validationTokens.size(), tokenCount(validationTokens), validationRows.size());
        int padId = tokenizer.eosId().orElse(0);
        return new SftData(trainTokens, validationTokens, trainRows, validationRows, config, padId, stats);
    }

    private static IllegalArgumentException noExamples(SftDataConfig config, DataStats stats) {
        return new IllegalArgumentException("SFT data: no usable training example in " + describe(config.train()) + " (" + stats.account()
                + "; sequence_len " + config.sequenceLen() + ")");
    }

    /** Batch layout for a micro-batch size under this data's packing and sequence length. */
    public BatchLayout layout(int microBatchSize) {
        return new BatchLayout(microBatchSize, config.sequenceLen(), config.packing(), padId);
    }

    /** Shuffled training batches from epoch 0, seeded by the config's seed. */
    public ShuffledBatches trainBatches(int microBatchSize) {
        return ShuffledBatches.start(trainRows, layout(microBatchSize), config.seed());
    }

    /** Training batches continuing from a checkpoint's cursor. */
    public ShuffledBatches resumeTrainBatches(int microBatchSize, BatchCursor cursor) {
        return ShuffledBatches.resume(trainRows, layout(microBatchSize), cursor);
    }

    /** Validation batches in order (the same every call). */
    public List<Batch> validationBatches(int microBatchSize) { return layout(microBatchSize).inOrder(validationRows); }

    private static List<Encoded> read(List<DataSource> sources, DuplicatePolicy duplicates, ExampleEncoder encoder, InputProblems problems) {
        List<Encoded> out = new ArrayList<>();
        Set<ExampleFingerprint> seen = new HashSet<>();
        for (DataSource source : sources) {
            try (ExampleReader reader = source.open(problems)) {
                while (reader.hasNext()) {
                    Example example = reader.next();
                    ExampleFingerprint fingerprint = ExampleFingerprint.of(example);
                    if (duplicates == DuplicatePolicy.REMOVE && !seen.add(fingerprint)) {
                        problems.stats().countDuplicate();
                        continue;
                    }
                    Optional<TokenizedExample> tokens;
                    try {
                        tokens = encoder.encode(example, problems.stats());
                    } catch (DataFormatException problem) {
                        problems.report(problem);
                        continue;
                    }
                    tokens.ifPresent(t -> out.add(new Encoded(t, fingerprint)));
                }
            }
        }
        return out;
    }

    /** {@code true} at the validation indices: the first {@code size.of(n)} of a seeded permutation. */
    static boolean[] splitMask(int n, ValidationSize size, long seed) {
        int count = size.of(n);
        int[] order = SeededShuffle.permutation(n, seed, SeededShuffle.SPLIT);
        boolean[] mask = new boolean[n];
        for (int i = 0; i < count; i++) mask[order[i]] = true;
        return mask;
    }

    private static void countContamination(List<Encoded> train, List<Encoded> validation, DataStats stats, Consumer<String> warnings) {
        Set<ExampleFingerprint> inTrain = new HashSet<>();
        for (Encoded e : train) inTrain.add(e.fingerprint());
        long contaminated = validation.stream().filter(e -> inTrain.contains(e.fingerprint())).count();
        stats.countContaminated(contaminated);
        if (contaminated > 0) {
            warnings.accept("warning: " + contaminated + " of " + validation.size() + " validation examples also appear in the"
                    + " training data (data contamination): validation loss will look better than it is");
        }
    }

    private static long tokenCount(List<TokenizedExample> examples) {
        return examples.stream().mapToLong(TokenizedExample::length).sum();
    }

    private static String describe(List<DataSource> sources) {
        return sources.stream().map(s -> s.file().toString()).toList().toString();
    }
}
