package dev.hone.transformer.train.checkpoint;

import java.util.Map;
import java.util.TreeMap;

/**
 * The random state of a run. Hone's random numbers are counter-based ({@code dev.hone.tensor.CounterRandom}:
 * a pure function of seed and counter), so the whole state is the seed and the next counter of each named
 * stream (e.g. {@code dropout}, {@code shuffle}); restoring them makes a resumed run draw the same numbers.
 */
public record RngState(long seed, Map<String, Long> counters) {
    public RngState {
        counters = java.util.Collections.unmodifiableMap(new TreeMap<>(counters));
    }

    public static RngState of(long seed) { return new RngState(seed, Map.of()); }

    /** The counter of {@code stream}, 0 if never advanced. */
    public long counter(String stream) { return counters.getOrDefault(stream, 0L); }

    public RngState with(String stream, long counter) {
        TreeMap<String, Long> m = new TreeMap<>(counters);
        m.put(stream, counter);
        return new RngState(seed, m);
    }
}
