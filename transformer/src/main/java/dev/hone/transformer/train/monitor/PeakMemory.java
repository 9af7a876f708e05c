package dev.hone.transformer.train.monitor;

import dev.hone.tensor.MemoryStats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The peak memory of a run, for the summary: the backend allocator's peak of live bytes (its own high-water
 * mark, so nothing between samples is missed), the JVM heap in use (the largest value seen at {@link #sample}
 * calls), and on Linux the process's peak resident set ({@code VmHWM} of {@code /proc/self/status}), which
 * covers everything (heap, off-heap tensors, mapped weights that were touched).
 */
public final class PeakMemory {

    /** Peaks in bytes; {@code processPeakRss} is absent where the OS does not report it. */
    public record Report(long backendPeakBytes, long jvmHeapPeakBytes, OptionalLong processPeakRssBytes) {
        public String describe() {
            String s = "tensors " + mib(backendPeakBytes) + ", JVM heap " + mib(jvmHeapPeakBytes);
            return processPeakRssBytes.isPresent() ? s + ", process peak RSS " + mib(processPeakRssBytes.getAsLong()) : s;
        }

        static String mib(long bytes) { return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0)); }
    }

    private final Supplier<MemoryStats> backendStats;
    private final Path procStatus;
    private long backendPeak;
    private long heapPeak;

    /** Samples {@code backendStats} (e.g. {@code backend::memoryStats}); {@code procStatus} is read for VmHWM if it exists. */
    public PeakMemory(Supplier<MemoryStats> backendStats, Path procStatus) {
        this.backendStats = backendStats;
        this.procStatus = procStatus;
    }

    public PeakMemory(Supplier<MemoryStats> backendStats) { this(backendStats, Path.of("/proc/self/status")); }

    /** Takes one sample (cheap: call it once per optimizer step). */
    public void sample() {
        MemoryStats s = backendStats.get();
        backendPeak = Math.max(backendPeak, Math.max(s.peakLiveBytes(), s.liveBytes()));
        Runtime rt = Runtime.getRuntime();
        heapPeak = Math.max(heapPeak, rt.totalMemory() - rt.freeMemory());
    }

    /** The peaks so far, with a final sample. */
    public Report report() {
        sample();
        return new Report(backendPeak, heapPeak, peakRss(procStatus));
    }

    /** VmHWM of a Linux /proc/PID/status file, in bytes. */
    static OptionalLong peakRss(Path status) {
        if (!Files.isReadable(status)) return OptionalLong.empty();
        try {
            List<String> lines = Files.readAllLines(status);
            for (String line : lines) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    long value = Long.parseLong(parts[0]);
                    return OptionalLong.of(parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }
}
