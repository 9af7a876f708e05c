package dev.hone.transformer.train.metrics;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Writes a run's loss curve ({@link LossCurvePlot}) where this JVM can draw it, and says why not where it cannot:
 * a headless server without fonts (AWT fails inside its font set-up), a runtime without the java.desktop module
 * (a jlink'd one on a GPU box), an unwritable folder. A run's numbers are in its metrics files either way; the
 * picture is a convenience and never ends a run. This class names no AWT type, so it links on any runtime.
 */
public final class LossCurveWriter {
    private LossCurveWriter() { }

    /** Writes {@code png}; returns why it was not written, or empty. Errors of the JVM itself (out of memory) propagate. */
    public static Optional<String> writeOrExplain(List<MetricsRow> rows, Path png, int width, int height) {
        try {
            LossCurvePlot.write(rows, png, width, height);
            return Optional.empty();
        } catch (RuntimeException | Error e) {                    // AWT fails with InternalError, AWTError or NoClassDefFoundError too
            if (e instanceof VirtualMachineError && !(e instanceof InternalError)) throw e;
            return Optional.of(png.getFileName() + " not drawn (" + e + ")");
        }
    }
}
