package dev.hone.transformer.tokenizer;

import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * Greedy byte-pair merging shared by both BPE flavours: repeatedly merge the adjacent pair with the lowest
 * {@link Merge#priority} (leftmost on ties) until no adjacent pair has a merge. This is exactly llama2.c run.c's
 * {@code encode} loop (best score, first from the left) and Hugging Face's {@code BPE::merge_word} (lowest rank,
 * leftmost), computed in O(n log n) with a heap and lazily invalidated entries instead of run.c's O(n²) rescans.
 */
final class PairMerger {

    /** The result of merging two adjacent symbols; lower {@code priority} merges first. */
    record Merge(int mergedId, double priority) {}

    /** Which adjacent pairs merge; {@code null} when {@code (left, right)} has no merge. */
    @FunctionalInterface
    interface Rules {
        Merge find(int left, int right);
    }

    private record Candidate(double priority, int left, int right, int leftId, int rightId, int mergedId) {}

    private PairMerger() {}

    /** Merges {@code symbols} (ids) in place of a copy and returns the merged ids. */
    static int[] merge(int[] symbols, Rules rules) {
        int n = symbols.length;
        if (n < 2) return symbols.clone();
        int[] ids = symbols.clone();
        int[] prev = new int[n], next = new int[n];
        boolean[] alive = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            alive[i] = true;
        }
        PriorityQueue<Candidate> heap = new PriorityQueue<>((a, b) -> a.priority != b.priority
                ? Double.compare(a.priority, b.priority) : Integer.compare(a.left, b.left));
        for (int i = 0; i + 1 < n; i++) offer(heap, rules, ids, i, i + 1);
        while (!heap.isEmpty()) {
            Candidate c = heap.poll();
            if (!alive[c.left] || !alive[c.right] || next[c.left] != c.right
                    || ids[c.left] != c.leftId || ids[c.right] != c.rightId) continue;
            ids[c.left] = c.mergedId;
            alive[c.right] = false;
            next[c.left] = next[c.right];
            if (next[c.right] >= 0) prev[next[c.right]] = c.left;
            if (prev[c.left] >= 0) offer(heap, rules, ids, prev[c.left], c.left);
            if (next[c.left] >= 0) offer(heap, rules, ids, c.left, next[c.left]);
        }
        int[] out = new int[n];
        int count = 0;
        for (int i = 0; i >= 0; i = next[i]) out[count++] = ids[i];
        return Arrays.copyOf(out, count);
    }

    private static void offer(PriorityQueue<Candidate> heap, Rules rules, int[] ids, int left, int right) {
        Merge merge = rules.find(ids[left], ids[right]);
        if (merge != null) heap.add(new Candidate(merge.priority(), left, right, ids[left], ids[right], merge.mergedId()));
    }
}
