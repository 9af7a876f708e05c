package dev.hone.tensor.spi;

/**
 * Service interface found through {@link java.util.ServiceLoader}. {@link #probe()} is cheap and never
 * throws: it says whether this backend can run here and, if not, why. Heavy set-up (threads, native
 * libraries, device contexts) happens in {@link #open()}, never at class load.
 */
public interface BackendProvider {

    /** Short name used to select it: "cpu", "reference", "cuda". */
    String name();

    /** Higher is preferred when the caller asks for the best available backend. */
    int priority();

    Availability probe();

    /** Creates the backend; the caller owns and closes it. */
    Backend open();

    /** The outcome of a probe: available, or unavailable with a one-line reason. */
    record Availability(boolean available, String reason) {
        public static Availability yes() { return new Availability(true, "available"); }

        public static Availability no(String reason) { return new Availability(false, reason); }

        @Override
        public String toString() { return available ? "available" : "unavailable: " + reason; }
    }
}
