package dev.hone.transformer.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Packing and padding on synthetic examples whose ids say which example and position they come from
 * ({@code 1000·k + j}): positions restart at 0 in every example, segment ids differ between neighbours, every
 * label is the next token of the same example or -100, the last token of an example never predicts the first of
 * the next, padding is its own segment with label -100, and first-fit puts a short example into an earlier row
 * with room.
 */
class PackingTest {
    private static final int PAD = 2;

    /** Example k of the given length; trainable from {@code firstTrainable} on. */
    private static TokenizedExample example(int k, int length, int firstTrainable) {
        int[] ids = new int[length];
        boolean[] trainable = new boolean[length];
        for (int j = 0; j < length; j++) {
            ids[j] = 1000 * k + j;
            trainable[j] = j >= firstTrainable;
        }
        return new TokenizedExample(ids, trainable, new Example.Text("example " + k, Map.of(), new SourceLocation("synthetic", k + 1)));
    }

    private static List<TokenizedExample> examples() {
        List<TokenizedExample> out = new ArrayList<>();
        int[] lengths = {5, 7, 3, 9, 4, 6, 2, 8};
        for (int k = 0; k < lengths.length; k++) out.add(example(k, lengths[k], Math.max(1, lengths[k] / 2)));
        return out;
    }

    @Test
    void packedRowsKeepExamplesApart() {
        int sequenceLen = 12;
        List<TokenizedExample> examples = examples();
        List<PackedRow> rows = RowPacker.pack(examples, sequenceLen, Packing.PACKED);
        assertThat(rows).extracting(PackedRow::length).containsExactly(12, 12, 12, 8);
        assertThat(rows).extracting(PackedRow::segmentCount).containsExactly(2, 2, 3, 1);
        Batch batch = new BatchLayout(rows.size(), sequenceLen, Packing.PACKED, PAD).assemble(rows);
        assertThat(batch.seqLen()).isEqualTo(sequenceLen);

        int expectedTargets = examples.stream().mapToInt(TokenizedExample::targetCount).sum();
        assertThat(batch.trainableTokens()).isEqualTo(expectedTargets);
        int counted = 0;
        int examplesSeen = 0;
        for (int r = 0; r < batch.batchSize(); r++) {
            for (int t = 0; t < batch.seqLen(); t++) {
                int i = batch.index(r, t);
                boolean padding = t >= rows.get(r).length();
                boolean segmentStart = t == 0 || batch.segmentIds()[i] != batch.segmentIds()[i - 1];
                assertThat(batch.positionIds()[i]).isEqualTo(segmentStart ? 0 : batch.positionIds()[i - 1] + 1);
                if (padding) {
                    assertThat(batch.inputIds()[i]).isEqualTo(PAD);
                    assertThat(batch.labels()[i]).isEqualTo(PackedRow.IGNORE_INDEX);
                    assertThat(batch.segmentIds()[i]).isEqualTo(rows.get(r).segmentCount());
                    continue;
                }
                int id = batch.inputIds()[i];
                int k = id / 1000;
                int j = id % 1000;
                if (segmentStart) examplesSeen++;
                assertThat(j).as("an example starts at position 0").isEqualTo(batch.positionIds()[i]);
                TokenizedExample source = examples.get(k);
                int label = batch.labels()[i];
                if (j + 1 < source.length() && source.trainable()[j + 1]) {
                    assertThat(label).as("label is the next token of the same example").isEqualTo(id + 1);
                    counted++;
                } else {
                    assertThat(label).isEqualTo(PackedRow.IGNORE_INDEX);
                }
                boolean lastOfExample = t + 1 == batch.seqLen() || batch.segmentIds()[i + 1] != batch.segmentIds()[i];
                if (lastOfExample) assertThat(label).as("no label crosses an example boundary").isEqualTo(PackedRow.IGNORE_INDEX);
            }
        }
        assertThat(examplesSeen).isEqualTo(examples.size());
        assertThat(counted).isEqualTo(expectedTargets);
    }

    @Test
    void packingFillsEarlierRowsFirst() {
        List<TokenizedExample> examples = List.of(example(0, 10, 1), example(1, 8, 1), example(2, 2, 1), example(3, 4, 1));
        List<PackedRow> rows = RowPacker.pack(examples, 12, Packing.PACKED);
        assertThat(rows).extracting(PackedRow::length).containsExactly(12, 12);
        assertThat(rows.get(0).ids()).startsWith(0, 1).endsWith(2000, 2001);
        assertThat(rows.get(1).ids()).startsWith(1000).endsWith(3003);
    }

    @Test
    void paddedBatchesHoldOneExamplePerRowPaddedToTheLongest() {
        List<TokenizedExample> examples = examples().subList(0, 3);
        List<PackedRow> rows = RowPacker.pack(examples, 12, Packing.PADDED);
        assertThat(rows).hasSize(3).allSatisfy(row -> assertThat(row.segmentCount()).isEqualTo(1));
        Batch batch = new BatchLayout(4, 12, Packing.PADDED, PAD).assemble(rows);
        assertThat(batch.batchSize()).isEqualTo(3);
        assertThat(batch.seqLen()).isEqualTo(7);
        int row = 2;
        for (int t = 0; t < 7; t++) {
            int i = batch.index(row, t);
            if (t < 3) {
                assertThat(batch.inputIds()[i]).isEqualTo(2000 + t);
                assertThat(batch.segmentIds()[i]).isZero();
                assertThat(batch.positionIds()[i]).isEqualTo(t);
            } else {
                assertThat(batch.inputIds()[i]).isEqualTo(PAD);
                assertThat(batch.labels()[i]).isEqualTo(PackedRow.IGNORE_INDEX);
                assertThat(batch.segmentIds()[i]).isEqualTo(1);
                assertThat(batch.positionIds()[i]).isEqualTo(t - 3);
            }
        }
        assertThat(batch.labels()[batch.index(row, 1)]).isEqualTo(2002);
        assertThat(batch.labels()[batch.index(row, 2)]).isEqualTo(PackedRow.IGNORE_INDEX);
        assertThat(batch.trainableTokens()).isEqualTo(examples.stream().mapToInt(TokenizedExample::targetCount).sum());
    }

    @Test
    void evaluationBatchesCoverEveryRowInOrder() {
        List<PackedRow> rows = RowPacker.pack(examples(), 12, Packing.PACKED);
        List<Batch> batches = new BatchLayout(3, 12, Packing.PACKED, PAD).inOrder(rows);
        assertThat(batches).extracting(Batch::batchSize).containsExactly(3, 1);
        assertThat(batches.get(0).inputIds()[batches.get(0).index(2, 0)]).isEqualTo(rows.get(2).ids()[0]);
        assertThat(batches.get(1).inputIds()[0]).isEqualTo(rows.get(3).ids()[0]);
    }
}
