package dev.hone.transformer.data;

import static dev.hone.transformer.data.DataFixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hone.transformer.chat.ChatTemplate;
import dev.hone.transformer.chat.ChatTemplates;
import dev.hone.transformer.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole preparation on the first 500 customer-support conversations and on the duplicate fixtures: split sizes
 * (fraction and count) and their determinism by seed, duplicate and contamination counts, truncation and drop
 * counts against a per-example recount, batches whose labels are the next tokens, and stop-on-malformed.
 */
class SftDataTest {
    private static final Tokenizer TOKENIZER = DataFixtures.tok512();
    private static final ChatTemplate TEMPLATE = ChatTemplates.forTokenizer(TOKENIZER);
    private static final int LINES = 500;

    @TempDir
    static Path dir;
    private static Path customerSupport;

    @BeforeAll
    static void copyHead() { customerSupport = DataFixtures.firstLines(DataFixtures.customerSupportJsonl(), LINES, dir); }

    private static SftData prepare(SftDataConfig config, List<String> warnings) {
        return SftData.prepare(config, TOKENIZER, TEMPLATE, warnings::add);
    }

    private static Set<Long> lines(List<TokenizedExample> examples) {
        Set<Long> out = new HashSet<>();
        for (TokenizedExample e : examples) out.add(e.example().source().line());
        return out;
    }

    @Test
    void defaultSplitIsTenPercentSeededAndDeterministic() {
        SftDataConfig config = SftDataConfig.defaults(DataSource.of(customerSupport), 256);
        SftData data = prepare(config, new ArrayList<>());
        DataStats stats = data.stats();
        assertThat(stats.examplesRead()).isEqualTo(LINES);
        assertThat(stats.duplicates()).as("lines 209 and 231 differ only in whitespace (count_duplicates.py)").isEqualTo(1);
        assertThat(data.validation()).hasSize(50);
        assertThat(data.train()).hasSize(449);
        assertThat(stats.contaminated()).isZero();
        Set<Long> all = new HashSet<>(lines(data.train()));
        all.addAll(lines(data.validation()));
        assertThat(all).hasSize(LINES - 1).doesNotContain(231L);
        assertThat(data.validation()).allSatisfy(e -> assertThat(e.example().label("intent")).isPresent());

        SftData again = prepare(config, new ArrayList<>());
        assertThat(lines(again.validation())).isEqualTo(lines(data.validation()));
        assertThat(again.trainRows()).extracting(PackedRow::ids).containsExactlyElementsOf(data.trainRows().stream().map(PackedRow::ids).toList());
        SftData otherSeed = prepare(config.withSeed(43), new ArrayList<>());
        assertThat(lines(otherSeed.validation())).hasSize(50).isNotEqualTo(lines(data.validation()));

        SftData counted = prepare(config.withValSetSize(ValidationSize.parse(37)), new ArrayList<>());
        assertThat(counted.validation()).hasSize(37);
        assertThat(counted.train()).hasSize(462);
    }

    @Test
    void wholeCustomerSupportFileAsTheDemoUsesIt() {
        List<String> warnings = new ArrayList<>();
        long started = System.nanoTime();
        SftData data = prepare(SftDataConfig.defaults(DataSource.of(DataFixtures.customerSupportJsonl()), 512), warnings);
        double seconds = (System.nanoTime() - started) / 1e9;
        DataStats stats = data.stats();
        assertThat(stats.examplesRead()).isEqualTo(6480);
        assertThat(stats.duplicates()).as("count_duplicates.py finds 12").isEqualTo(12);
        assertThat(data.validation()).hasSize(647);
        assertThat(data.train()).hasSize(6480 - 12 - 647);
        assertThat(stats.truncated() + stats.droppedTotal() + stats.skippedTotal() + stats.contaminated()).isZero();
        assertThat(warnings).isEmpty();
        System.out.printf("customer-support: prepared in %.2f s%n%s%n", seconds, stats.summary());
    }

    @Test
    void batchesCarryNextTokenLabelsAndTheTrainableCount() {
        SftData data = prepare(SftDataConfig.defaults(DataSource.of(customerSupport), 512), new ArrayList<>());
        assertThat(data.trainRows()).allSatisfy(row -> assertThat(row.length()).isLessThanOrEqualTo(512));
        assertThat(data.trainRows().size()).as("packing puts several examples in a row").isLessThan(data.train().size() / 2);
        ShuffledBatches batches = data.trainBatches(4);
        long trainable = 0;
        for (int b = 0; b < batches.batchesPerEpoch(); b++) {
            Batch batch = batches.next();
            assertThat(batch.seqLen()).isEqualTo(512);
            for (int i = 0; i + 1 < batch.labels().length; i++) {
                if (batch.labels()[i] != PackedRow.IGNORE_INDEX) {
                    assertThat(batch.labels()[i]).isEqualTo(batch.inputIds()[i + 1]);
                    assertThat(batch.segmentIds()[i + 1]).isEqualTo(batch.segmentIds()[i]);
                    trainable++;
                }
            }
        }
        assertThat(trainable).isEqualTo(data.stats().trainTrainableTokens());
        List<Batch> validation = data.validationBatches(4);
        assertThat(validation.stream().mapToInt(Batch::batchSize).sum()).isEqualTo(data.validationRows().size());
        assertThat(data.stats().summary()).contains("500 examples read").contains("train 449 examples").contains("validation 50 examples");
    }

    @Test
    void truncationAndDropCountsMatchAPerExampleRecount() {
        ExampleEncoder unlimited = new ExampleEncoder(TOKENIZER, TEMPLATE, 100_000, TrainOn.ASSISTANT, OverlongPolicy.TRUNCATE);
        List<TokenizedExample> full = new ArrayList<>();
        Set<ExampleFingerprint> seen = new HashSet<>();
        for (Example e : DataFixtures.readAll(DataSource.of(customerSupport))) {
            if (seen.add(ExampleFingerprint.of(e))) full.add(unlimited.encode(e, new DataStats()).orElseThrow());
        }
        for (int sequenceLen : new int[] {40, 160}) {
            long longer = full.stream().filter(t -> t.length() > sequenceLen).count();
            long answerCutOff = full.stream().filter(t -> firstTrainable(t) >= sequenceLen).count();
            SftData data = prepare(SftDataConfig.defaults(DataSource.of(customerSupport), sequenceLen), new ArrayList<>());
            assertThat(data.stats().truncated()).as("truncated at " + sequenceLen).isEqualTo(longer).isPositive();
            assertThat(data.stats().dropped(DropReason.NO_TRAINABLE_TOKENS)).isEqualTo(answerCutOff);
            assertThat(data.train().size() + data.validation().size()).isEqualTo(full.size() - answerCutOff);
            assertThat(data.trainRows()).allSatisfy(row -> assertThat(row.length()).isLessThanOrEqualTo(sequenceLen));
            if (sequenceLen == 40) assertThat(answerCutOff).as("some prompts are longer than 40 tokens").isPositive();
        }
        SftDataConfig dropping = SftDataConfig.defaults(DataSource.of(customerSupport), 160).withOverlong(OverlongPolicy.DROP);
        SftData dropped = prepare(dropping, new ArrayList<>());
        long longer = full.stream().filter(t -> t.length() > 160).count();
        assertThat(dropped.stats().dropped(DropReason.TOO_LONG)).isEqualTo(longer);
        assertThat(dropped.stats().truncated()).isZero();
        assertThat(dropped.train().size() + dropped.validation().size()).isEqualTo(full.size() - longer);
        SftDataConfig allTooLong = SftDataConfig.defaults(DataSource.of(customerSupport), 40).withOverlong(OverlongPolicy.DROP);
        assertThatThrownBy(() -> prepare(allTooLong, new ArrayList<>())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no usable training example");
    }

    private static int firstTrainable(TokenizedExample tokens) {
        int i = 0;
        while (!tokens.trainable()[i]) i++;
        return i;
    }

    @Test
    void duplicatesAreRemovedAndContaminationIsCounted() {
        SftDataConfig config = SftDataConfig.defaults(DataSource.of(resource("duplicates_train.jsonl")), 128)
                .withValidation(DataSource.of(resource("duplicates_validation.jsonl")));
        List<String> warnings = new ArrayList<>();
        SftData data = prepare(config, warnings);
        assertThat(data.stats().examplesRead()).isEqualTo(10);
        assertThat(data.stats().duplicates()).isEqualTo(2);
        assertThat(data.train()).extracting(e -> e.example().source().line()).containsExactlyInAnyOrder(1L, 4L, 5L, 6L);
        assertThat(data.validation()).hasSize(4);
        assertThat(data.stats().contaminated()).as("prompt/completion and messages compare equal").isEqualTo(3);
        assertThat(warnings).singleElement().asString().contains("3 of 4 validation examples also appear in the training data");
        assertThat(data.stats().summary()).contains("2 duplicates removed").contains("3 validation examples also in training");

        SftData kept = prepare(config.withDuplicates(DuplicatePolicy.KEEP), new ArrayList<>());
        assertThat(kept.train()).hasSize(6);
        assertThat(kept.stats().duplicates()).isZero();
    }

    @Test
    void malformedLineStopsPreparationUnderStopAndIsSkippedUnderSkip() {
        SftDataConfig config = SftDataConfig.defaults(DataSource.of(resource("malformed.jsonl")), 64).withValSetSize(new ValidationSize.Count(0));
        assertThatThrownBy(() -> prepare(config.withMalformed(MalformedInputPolicy.STOP), new ArrayList<>()))
                .isInstanceOf(DataFormatException.class).hasMessageContaining("malformed.jsonl:2");
        SftData skipped = prepare(config, new ArrayList<>());
        assertThat(skipped.train()).hasSize(2);
        assertThat(skipped.validation()).isEmpty();
        assertThat(skipped.stats().summary()).contains("5 lines skipped").contains("1 malformed JSON").contains("1 unknown role");
    }

    @Test
    void anEmptyResultSaysWhereTheExamplesWent() throws java.io.IOException {
        Path empty = java.nio.file.Files.createFile(dir.resolve("empty.jsonl"));
        assertThatThrownBy(() -> prepare(SftDataConfig.defaults(DataSource.of(empty), 64), new ArrayList<>()))
                .hasMessage("SFT data: no usable training example in [" + empty + "] (0 examples read, 0 duplicates removed, 0 dropped; "
                        + "sequence_len 64)");
        SftDataConfig tooShort = SftDataConfig.defaults(DataSource.of(DataFixtures.firstLines(customerSupport, 3, dir)), 8)
                .withOverlong(OverlongPolicy.DROP);
        assertThatThrownBy(() -> prepare(tooShort, new ArrayList<>()))
                .hasMessageContaining("(3 examples read, 0 duplicates removed, 3 dropped (3 longer than sequence_len); sequence_len 8)");
    }

    @Test
    void validationSizeThatLeavesNoTrainingDataIsRefused() {
        assertThatThrownBy(() -> new ValidationSize.Count(10).of(10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("leaves no training example out of 10");
        assertThat(new ValidationSize.Fraction(0.1).of(6480)).isEqualTo(648);
        assertThat(new ValidationSize.Fraction(0.1).of(11)).isEqualTo(2);
    }
}
