package dev.hone.tensor.spi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/** Finds backend providers on the class path. Each call looks afresh; nothing is cached here. */
public final class Backends {
    private Backends() { }

    public static List<BackendProvider> providers() {
        List<BackendProvider> all = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(all::add);
        all.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return all;
    }

    /** Opens the named backend, or throws saying why it is unavailable or which names exist. */
    public static Backend open(String name) {
        List<String> names = new ArrayList<>();
        for (BackendProvider p : providers()) {
            names.add(p.name());
            if (p.name().equals(name)) {
                BackendProvider.Availability a = p.probe();
                if (!a.available()) throw new IllegalStateException("backend '" + name + "' " + a);
                return p.open();
            }
        }
        throw new IllegalArgumentException("no backend named '" + name + "' on the class path (found: " + names + ")");
    }

    /** Opens the available backend with the highest priority. */
    public static Backend openBest() {
        StringBuilder why = new StringBuilder();
        for (BackendProvider p : providers()) {
            BackendProvider.Availability a = p.probe();
            if (a.available()) return p.open();
            why.append("\n  ").append(p.name()).append(": ").append(a);
        }
        throw new IllegalStateException("no backend available" + why);
    }
}
