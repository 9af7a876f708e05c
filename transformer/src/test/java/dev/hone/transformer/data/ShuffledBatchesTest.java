package dev.hone.transformer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The epoch-aware shuffling iterator: every epoch visits each row exactly once, epochs differ in order, the same
 * seed gives the same sequence, and a cursor saved (through JSON, as a checkpoint would) and resumed at any
 * point — mid-epoch or on an epoch boundary — yields exactly the batches of an uninterrupted run.
 */
class ShuffledBatchesTest {
    private static final BatchLayout LAYOUT = new BatchLayout(3, 4, Packing.PACKED, 0);

    /** 10 one-example rows whose first id is the row number. */
    private static List<PackedRow> rows() {
        List<PackedRow> rows = new ArrayList<>();
        for (int r = 0; r < 10; r++) {
            TokenizedExample e = new TokenizedExample(new int[] {r, 100 + r}, new boolean[] {false, true},
                    new Example.Text("row " + r, Map.of(), new SourceLocation("synthetic", r + 1)));
            rows.add(PackedRow.of(List.of(e)));
        }
        return rows;
    }

    private static List<Integer> firstIds(Batch batch) {
        List<Integer> ids = new ArrayList<>();
        for (int r = 0; r < batch.batchSize(); r++) ids.add(batch.inputIds()[batch.index(r, 0)]);
        return ids;
    }

    private static List<List<Integer>> take(ShuffledBatches batches, int n) {
        List<List<Integer>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(firstIds(batches.next()));
        return out;
    }

    @Test
    void eachEpochVisitsEveryRowOnceInANewOrder() {
        ShuffledBatches batches = ShuffledBatches.start(rows(), LAYOUT, 7);
        assertThat(batches.batchesPerEpoch()).isEqualTo(4);
        List<List<Integer>> epochOrders = new ArrayList<>();
        for (int epoch = 0; epoch < 3; epoch++) {
            assertThat(batches.epoch()).isEqualTo(epoch);
            List<Integer> order = new ArrayList<>();
            for (List<Integer> batch : take(batches, 4)) order.addAll(batch);
            assertThat(new HashSet<>(order)).hasSize(10).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
            epochOrders.add(order);
        }
        assertThat(epochOrders.get(0)).isNotEqualTo(epochOrders.get(1));
        assertThat(epochOrders.get(1)).isNotEqualTo(epochOrders.get(2));
    }

    @Test
    void sameSeedSameSequenceOtherSeedOtherSequence() {
        List<List<Integer>> a = take(ShuffledBatches.start(rows(), LAYOUT, 7), 12);
        List<List<Integer>> b = take(ShuffledBatches.start(rows(), LAYOUT, 7), 12);
        List<List<Integer>> c = take(ShuffledBatches.start(rows(), LAYOUT, 8), 12);
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void resumeFromAnySavedCursorContinuesExactly() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<List<Integer>> uninterrupted = take(ShuffledBatches.start(rows(), LAYOUT, 11), 14);
        for (int stop : new int[] {0, 1, 3, 4, 5, 8, 13}) {
            ShuffledBatches first = ShuffledBatches.start(rows(), LAYOUT, 11);
            List<List<Integer>> seen = take(first, stop);
            String saved = json.writeValueAsString(first.cursor());
            BatchCursor cursor = json.readValue(saved, BatchCursor.class);
            seen.addAll(take(ShuffledBatches.resume(rows(), LAYOUT, cursor), 14 - stop));
            assertThat(seen).as("stopped after " + stop + " batches").isEqualTo(uninterrupted);
        }
    }

    @Test
    void resumeOverDifferentDataIsRefused() {
        ShuffledBatches batches = ShuffledBatches.start(rows(), LAYOUT, 1);
        batches.next();
        BatchCursor cursor = batches.cursor();
        assertThatThrownBy(() -> ShuffledBatches.resume(rows().subList(0, 9), LAYOUT, cursor))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10 rows but the data now has 9");
    }

    @Test
    void permutationsAreBijections() {
        for (int n : new int[] {0, 1, 2, 17, 1000}) {
            int[] p = SeededShuffle.permutation(n, 123, SeededShuffle.PACKING);
            Set<Integer> values = new HashSet<>();
            for (int v : p) values.add(v);
            assertThat(values).hasSize(n).allSatisfy(v -> assertThat(v).isBetween(0, Math.max(0, n - 1)));
        }
    }
}
