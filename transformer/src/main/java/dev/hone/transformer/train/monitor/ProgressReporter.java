package dev.hone.transformer.train.monitor;

import java.io.Console;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;

/**
 * Shows training progress: step/total, loss, learning rate, tokens/s and ETA. On an interactive terminal a
 * redrawn progress bar on stderr ({@link ProgressBarReporter}); otherwise (CI, output piped to a file) plain log
 * lines at most every {@code interval} ({@link LogLineReporter}), since a carriage-return bar makes a log
 * unreadable. {@link #message} prints a line (an eval result, a warning) without breaking the display.
 */
public sealed interface ProgressReporter extends AutoCloseable permits ProgressBarReporter, LogLineReporter {

    /** How progress is displayed. */
    enum Mode { BAR, LOG_LINES }

    /** After each optimizer step. */
    void update(StepProgress progress);

    /** One full line of text between updates. */
    void message(String line);

    @Override void close();

    /**
     * {@link Mode#BAR} when the JVM has an interactive terminal ({@code System.console().isTerminal()}), the
     * environment is not CI ({@code CI} unset) and {@code TERM} is not {@code dumb}; otherwise {@link Mode#LOG_LINES}.
     */
    static Mode detectMode(Console console, Map<String, String> env) {
        boolean terminal = console != null && console.isTerminal();
        boolean ci = env.containsKey("CI") && !"false".equalsIgnoreCase(env.get("CI"));
        return terminal && !ci && !"dumb".equals(env.get("TERM")) ? Mode.BAR : Mode.LOG_LINES;
    }

    /** The reporter for this process: a bar on stderr or log lines on stderr every 10 seconds. */
    static ProgressReporter forThisProcess(String task, long totalSteps, long startStep) {
        return switch (detectMode(System.console(), System.getenv())) {
            case BAR -> new ProgressBarReporter(task, totalSteps, startStep, System.err);
            case LOG_LINES -> new LogLineReporter(startStep, System.err, Duration.ofSeconds(10), System::nanoTime);
        };
    }

    /** Plain log lines to {@code out}; every update is printed when {@code interval} is zero. */
    static ProgressReporter logLines(long startStep, PrintStream out, Duration interval) {
        return new LogLineReporter(startStep, out, interval, System::nanoTime);
    }
}
