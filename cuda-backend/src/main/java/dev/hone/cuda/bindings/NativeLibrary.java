package dev.hone.cuda.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Optional;

/**
 * Run-time library loading for the generated bindings: finds the first loadable name of a list with
 * {@link SymbolLookup#libraryLookup} (which honours LD_LIBRARY_PATH and the system's loader cache),
 * links downcall handles, and turns failures into unchecked exceptions naming the library or symbol.
 * Loaded libraries stay loaded for the life of the process (global arena), as the driver requires.
 */
public final class NativeLibrary {
    private NativeLibrary() { }

    /** Thrown when none of a binding's libraries can be loaded. */
    public static final class MissingLibraryException extends RuntimeException {
        MissingLibraryException(String message) { super(message); }
    }

    /** The first of {@code names} that loads, or empty; never throws. */
    public static Optional<SymbolLookup> find(List<String> names) {
        for (String name : names) {
            try {
                return Optional.of(SymbolLookup.libraryLookup(name, Arena.global()));
            } catch (IllegalArgumentException | IllegalCallerException notLoadable) {
                // try the next name
            }
        }
        return Optional.empty();
    }

    /** The first of {@code names} that loads, or an exception naming all of them and the binding. */
    static SymbolLookup open(String binding, List<String> names) {
        return find(names).orElseThrow(() -> new MissingLibraryException(
                binding + ": none of " + String.join(", ", names) + " could be loaded (searched LD_LIBRARY_PATH and the loader cache)"));
    }

    static MethodHandle downcall(SymbolLookup lookup, String symbol, FunctionDescriptor descriptor) {
        var address = lookup.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError(
                "symbol " + symbol + " not found in the loaded library (too old a driver or toolkit?)"));
        return Linker.nativeLinker().downcallHandle(address, descriptor);
    }

    static RuntimeException rethrow(String symbol, Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("native call " + symbol + " failed", t);
    }
}
