package dev.hone.transformer.train;

import java.util.Locale;

/**
 * Perplexity, exp(mean cross-entropy), as people read it: three decimals while it is a readable number, and
 * scientific notation once a diverged run pushes it past a million (exp(341) printed with "%.3f" is a 149-digit
 * integer that breaks the summary's columns).
 */
public final class Perplexity {
    /** From here on perplexity prints as {@code 1.769e+148}. */
    static final double SCIENTIFIC_FROM = 1e6;

    private Perplexity() { }

    /** exp(loss) formatted as {@link #format}. */
    public static String ofLoss(double loss) { return format(Math.exp(loss)); }

    /** "43.582", "1.769e+148", "Infinity" or "NaN". */
    public static String format(double perplexity) {
        if (!Double.isFinite(perplexity)) return Double.toString(perplexity);
        return String.format(Locale.ROOT, Math.abs(perplexity) >= SCIENTIFIC_FROM ? "%.3e" : "%.3f", perplexity);
    }

    /** A signed change of perplexity, "+2.125" or "+1.769e+148". */
    public static String formatChange(double change) {
        if (!Double.isFinite(change)) return Double.toString(change);
        return String.format(Locale.ROOT, Math.abs(change) >= SCIENTIFIC_FROM ? "%+.3e" : "%+.3f", change);
    }
}
