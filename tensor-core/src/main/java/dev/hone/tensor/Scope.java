package dev.hone.tensor;

import dev.hone.tensor.spi.Backend;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Owns the memory of the tensors created while it is the innermost open scope on this thread, and
 * releases it on {@link #close()}. Scopes nest: {@link #keep(Tensor)} hands a result to the enclosing
 * scope. Each scope names the backend new tensors are created on (inherited by nested scopes).
 *
 * <p>The innermost scope is per thread (the same idea as PyTorch's grad mode): tensor code on one
 * thread sees its own scopes only. Closing any scope but the innermost one is an error, which is what
 * try-with-resources guarantees.
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Scope> INNERMOST = new ThreadLocal<>();

    private final Scope parent;
    private final Backend backend;
    private final Thread owner;
    private final Map<Storage, Boolean> owned = new IdentityHashMap<>();
    private boolean closed;

    private Scope(Scope parent, Backend backend) {
        this.parent = parent;
        this.backend = backend;
        this.owner = Thread.currentThread();
    }

    /** Opens a scope creating tensors on {@code backend}. */
    public static Scope open(Backend backend) {
        Scope s = new Scope(INNERMOST.get(), backend);
        INNERMOST.set(s);
        return s;
    }

    /** Opens a scope on the enclosing scope's backend. */
    public static Scope open() {
        Scope outer = INNERMOST.get();
        if (outer == null) throw noScope();
        return open(outer.backend);
    }

    /** The innermost open scope of this thread. */
    public static Scope current() {
        Scope s = INNERMOST.get();
        if (s == null) throw noScope();
        return s;
    }

    public static boolean isOpen() { return INNERMOST.get() != null; }

    private static IllegalStateException noScope() {
        return new IllegalStateException("no open Scope on this thread: wrap tensor work in try (Scope s = Scope.open(backend)) { ... }");
    }

    public Backend backend() { return backend; }

    /** Takes ownership of a storage (called by tensor factories). */
    public Storage adopt(Storage s) {
        if (closed) throw new IllegalStateException("scope already closed");
        owned.put(s, Boolean.TRUE);
        return s;
    }

    /** Moves {@code t}'s storage to the enclosing scope, so it outlives this one. Returns {@code t}. */
    public Tensor keep(Tensor t) {
        if (parent == null) throw new IllegalStateException("keep() in the outermost scope: there is no enclosing scope to hand the tensor to");
        if (owned.remove(t.storage()) != null) parent.adopt(t.storage());
        return t;
    }

    /**
     * Moves {@code t}'s storage from this scope to {@code target} (any open scope, typically an outer one
     * that holds long-lived state such as model weights or optimizer moments). Returns {@code t}.
     */
    public Tensor transferTo(Tensor t, Scope target) {
        if (target.closed) throw new IllegalStateException("transfer to a closed scope");
        if (owned.remove(t.storage()) == null) throw new IllegalStateException("transfer of a tensor this scope does not own");
        target.adopt(t.storage());
        return t;
    }

    /** Releases {@code t}'s storage now, before the scope closes (for large temporaries). */
    public void free(Tensor t) {
        if (owned.remove(t.storage()) != null) t.storage().release();
    }

    /**
     * Releases {@code t}'s storage now if this scope or one enclosing it owns it (for long-lived tensors
     * made in an outer scope, such as dense weights replaced by quantized ones); returns whether it did.
     */
    public boolean freeFromEnclosing(Tensor t) {
        for (Scope s = this; s != null; s = s.parent) {
            if (s.owned.remove(t.storage()) != null) {
                t.storage().release();
                return true;
            }
        }
        return false;
    }

    public int ownedCount() { return owned.size(); }

    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner) throw new IllegalStateException("scope closed on another thread than the one that opened it");
        if (INNERMOST.get() != this) throw new IllegalStateException("closing a scope that is not the innermost open one");
        closed = true;
        List<Storage> toRelease = new ArrayList<>(owned.keySet());
        owned.clear();
        INNERMOST.set(parent);
        for (Storage s : toRelease) s.release();
    }
}
