package dev.hone.autograd;

import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Storage;
import dev.hone.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reverse-mode automatic differentiation scoped by try-with-resources: ops record themselves only on
 * the innermost open tape of the current thread, and only when one of their inputs requires a gradient
 * (it is a trainable {@link Parameter}'s value, a {@link #watch watched} tensor, or the output of a
 * recorded op). Outside a tape nothing is recorded: "no grad" is the default.
 *
 * <p>{@link #backward} walks the recorded nodes in reverse (recording order is a topological order),
 * frees each intermediate gradient as soon as it has been consumed, adds parameter gradients into
 * {@link Parameter#grad()} (+=, so micro-batches accumulate until {@code zeroGrad}) and keeps the
 * gradients of watched tensors for {@link #gradient}. Frozen parameters are never watched, so no
 * gradient is computed or stored for them. Backward temporaries live in a scope of their own that is
 * closed when backward returns; gradients of watched tensors are handed to the enclosing scope.
 *
 * <p>Invariants: a tape is used by the thread that opened it; nodes are only appended; a tape runs
 * backward at most once; tensors are identified by reference (a view made with {@code Tensor}'s own
 * view methods is a new, untracked tensor: use {@link Diff}'s view ops inside a tape).
 */
public final class Tape implements AutoCloseable {
    private static final ThreadLocal<Tape> INNERMOST = new ThreadLocal<>();

    /** Whether a tape records ops or only suspends the enclosing tape's recording. */
    public enum Mode { RECORD, PAUSED }

    private record Node(DiffOp op, Tensor output, Tensor[] inputs, boolean[] needs, Backward backward, Window window) { }

    /**
     * Where a view's output lies in its one input: [start, start + length) of {@code axis}. Its gradient
     * is added into that window of the input's pending gradient instead of being padded with zeros to the
     * input's shape, so the pieces of a split (a fused QKV projection) cost one gradient buffer, not one
     * zero-padded copy and one full add per piece.
     */
    private record Window(int axis, int start, int length) {
        /** g placed into zeros of {@code input}'s shape. */
        Tensor padded(Tensor g, Tensor input) {
            Tensor full = Tensor.zeros(input.dtype(), input.shape().dims());
            Ops.copyInto(g, full.narrow(axis, start, length));
            return full;
        }
    }

    private final Tape parent;
    private final Mode mode;
    private final Thread owner = Thread.currentThread();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<Tensor, Node> producers = new IdentityHashMap<>();
    private final Map<Tensor, Parameter> parameters = new IdentityHashMap<>();
    private final Map<Tensor, Boolean> watched = new IdentityHashMap<>();
    private final Map<Tensor, Tensor> watchedGradients = new IdentityHashMap<>();
    private boolean backwardDone;
    private boolean closed;

    private Tape(Tape parent, Mode mode) {
        this.parent = parent;
        this.mode = mode;
    }

    /** Opens a recording tape; it becomes this thread's innermost tape until closed. */
    public static Tape open() { return push(Mode.RECORD); }

    /** Suspends recording until closed (used to run a function forward without saving anything). */
    public static Tape pause() { return push(Mode.PAUSED); }

    /** Runs {@code body} with recording suspended on this thread and returns its result. */
    public static <T> T withoutRecording(java.util.function.Supplier<T> body) {
        Tape paused = pause();
        try {
            return body.get();
        } finally {
            paused.close();
        }
    }

    private static Tape push(Mode mode) {
        Tape t = new Tape(INNERMOST.get(), mode);
        INNERMOST.set(t);
        return t;
    }

    /** The innermost recording tape of this thread, if one is open and not paused. */
    public static Optional<Tape> active() {
        Tape t = INNERMOST.get();
        return t != null && t.mode == Mode.RECORD ? Optional.of(t) : Optional.empty();
    }

    /** Marks {@code t} as a leaf whose gradient {@link #gradient} returns after backward. Returns {@code t}. */
    public Tensor watch(Tensor t) {
        checkOpen("watch");
        if (producers.containsKey(t)) {
            throw new IllegalArgumentException("watch: tensor " + t.shape() + " is the output of a recorded op; watch leaves only");
        }
        watched.put(t, Boolean.TRUE);
        return t;
    }

    /** Called by {@link Parameter#value()}: a trainable parameter's value becomes a leaf of the active tape. */
    public static void watchParameter(Parameter p, Tensor value) {
        Tape t = INNERMOST.get();
        if (t == null || t.mode != Mode.RECORD || !p.trainable()) return;
        t.parameters.putIfAbsent(value, p);
    }

    /** True when {@code t} is a watched tensor, a trainable parameter's value or a recorded op's output. */
    public boolean requiresGrad(Tensor t) {
        return producers.containsKey(t) || parameters.containsKey(t) || watched.containsKey(t);
    }

    /** Number of recorded nodes (for tests and diagnostics). */
    public int size() { return nodes.size(); }

    // ---------------------------------------------------------------- recording

    /**
     * What an op about to run should record: inactive when no tape records or no input requires a
     * gradient, in which case the op saves nothing. Ops call this before computing their output.
     */
    public static Recording track(DiffOp op, Tensor... inputs) {
        Optional<Tape> tape = active();
        if (tape.isEmpty()) return Recording.inactive(op, inputs.length);
        boolean[] needs = new boolean[inputs.length];
        boolean any = false;
        for (int i = 0; i < inputs.length; i++) {
            needs[i] = inputs[i] != null && tape.get().requiresGrad(inputs[i]);
            any |= needs[i];
        }
        return any ? new Recording(tape.get(), op, inputs, needs) : Recording.inactive(op, inputs.length);
    }

    /**
     * Like {@link #track} but active whenever a tape records, even if no input requires a gradient: for
     * ops such as {@link Checkpoint} whose function may reach parameters the tape cannot see yet.
     */
    static Recording trackAlways(DiffOp op, Tensor... inputs) {
        Optional<Tape> tape = active();
        if (tape.isEmpty()) return Recording.inactive(op, inputs.length);
        boolean[] needs = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) needs[i] = tape.get().requiresGrad(inputs[i]);
        return new Recording(tape.get(), op, inputs, needs);
    }

    /** One op application's link to the tape: which inputs need gradients, and where to record. */
    public static final class Recording {
        private final Tape tape;
        private final DiffOp op;
        private final Tensor[] inputs;
        private final boolean[] needs;

        private Recording(Tape tape, DiffOp op, Tensor[] inputs, boolean[] needs) {
            this.tape = tape;
            this.op = op;
            this.inputs = inputs;
            this.needs = needs;
        }

        private static Recording inactive(DiffOp op, int arity) { return new Recording(null, op, new Tensor[arity], new boolean[arity]); }

        public boolean isActive() { return tape != null; }

        /** Whether input {@code i} needs a gradient (false everywhere when inactive). */
        public boolean needs(int i) { return needs[i]; }

        /**
         * Records {@code output} with its gradient rule and returns it; when inactive, returns it
         * untouched and drops the rule. An output that is one of the inputs (an identity) is not recorded.
         */
        public Tensor record(Tensor output, Backward backward) {
            if (tape == null) return output;
            return add(output, backward, null);
        }

        /**
         * Records a view {@code output} = input 0 narrowed to [start, start + length) of {@code axis}; its
         * gradient goes straight into that window of the input's gradient.
         */
        public Tensor recordWindow(Tensor output, int axis, int start, int length) {
            if (tape == null) return output;
            return add(output, dy -> new Tensor[] {dy}, new Window(axis, start, length));
        }

        private Tensor add(Tensor output, Backward backward, Window window) {
            for (Tensor in : inputs) if (in == output) return output;
            tape.checkOpen(op.opName());
            Node n = new Node(op, output, inputs.clone(), needs.clone(), backward, window);
            tape.nodes.add(n);
            tape.producers.put(output, n);
            return output;
        }
    }

    // ---------------------------------------------------------------- backward

    /** Backward from a scalar (one-element) loss with seed gradient 1. */
    public void backward(Tensor loss) {
        if (loss.numel() != 1) {
            throw new IllegalArgumentException("backward: loss must have one element, got shape " + loss.shape()
                    + "; pass a seed gradient for other outputs");
        }
        Tensor seed = Ops.add(Ops.mul(loss, 0.0), 1.0);
        backward(loss, seed);
    }

    /** Backward from {@code output} with gradient {@code seed} (same shape). */
    public void backward(Tensor output, Tensor seed) {
        checkOpen("backward");
        if (backwardDone) throw new IllegalStateException("backward already ran on this tape; open a new tape per step");
        if (!seed.shape().equals(output.shape())) {
            throw new IllegalArgumentException("backward: seed shape " + seed.shape() + " differs from output shape " + output.shape());
        }
        if (!requiresGrad(output)) {
            throw new IllegalStateException("backward: output " + output.shape() + " does not depend on any watched tensor or trainable parameter");
        }
        backwardDone = true;
        try (Scope scope = Scope.open()) {
            GradientMap grads = new GradientMap(scope);
            grads.accumulate(output, seed);
            for (int i = nodes.size() - 1; i >= 0; i--) {
                Node node = nodes.get(i);
                Tensor dy = grads.take(node.output);
                if (dy == null) continue;
                Tensor[] dx = node.backward.apply(dy);
                for (int j = 0; j < node.inputs.length; j++) {
                    if (!node.needs[j] || dx[j] == null) continue;
                    Tensor input = node.inputs[j];
                    Tensor expected = node.window == null ? input : node.output;
                    if (!dx[j].shape().equals(expected.shape())) {
                        throw new IllegalStateException("backward of " + node.op.opName() + ": gradient of input " + j + " has shape "
                                + dx[j].shape() + ", expected " + expected.shape());
                    }
                    Parameter p = watched.containsKey(input) ? null : parameters.get(input);
                    if (p != null) {
                        // frozen since it was read: its gradient is dropped
                        if (p.trainable()) p.accumulateGrad(node.window == null ? dx[j] : node.window.padded(dx[j], input));
                    } else if (node.window != null) {
                        grads.accumulateWindow(input, node.window, dx[j]);
                    } else {
                        grads.accumulate(input, dx[j]);
                    }
                }
                grads.release(dy);
                for (Tensor g : dx) if (g != null) grads.release(g);
            }
            for (Tensor w : watched.keySet()) {
                Tensor g = grads.take(w);
                if (g != null) watchedGradients.put(w, scope.keep(g));
            }
        }
        nodes.clear();
        producers.clear();
    }

    /** The gradient of a watched tensor after {@link #backward}; empty when the output did not depend on it. */
    public Optional<Tensor> gradient(Tensor watchedTensor) {
        if (!watched.containsKey(watchedTensor)) {
            throw new IllegalArgumentException("gradient of a tensor " + watchedTensor.shape() + " this tape does not watch");
        }
        if (!backwardDone) throw new IllegalStateException("gradient requested before backward");
        return Optional.ofNullable(watchedGradients.get(watchedTensor));
    }

    private void checkOpen(String what) {
        if (closed) throw new IllegalStateException(what + " on a closed tape");
        if (Thread.currentThread() != owner) throw new IllegalStateException(what + " on a tape owned by another thread");
    }

    @Override
    public void close() {
        if (closed) return;
        if (INNERMOST.get() != this) throw new IllegalStateException("closing a tape that is not the innermost open one");
        closed = true;
        INNERMOST.set(parent);
        nodes.clear();
        producers.clear();
    }

    /**
     * Gradients pending during one backward pass, keyed by tensor identity. A storage's reference count
     * is the number of pending gradients that use it (a gradient may be a view of another, as reshape's
     * and add's rules return); a gradient created in the backward scope is freed when it has been
     * consumed and no pending gradient shares its storage. Sums this map made itself are reused in place
     * for later contributions while nothing else refers to them.
     */
    private static final class GradientMap {
        private final Scope scope;
        private final Map<Tensor, Tensor> pending = new IdentityHashMap<>();
        private final Map<Storage, Integer> references = new IdentityHashMap<>();
        private final Map<Tensor, Boolean> ownSums = new IdentityHashMap<>();
        /** Window sums not yet written everywhere, with the ranges that are. */
        private final Map<Tensor, Coverage> partial = new IdentityHashMap<>();

        GradientMap(Scope scope) { this.scope = scope; }

        /** Adds {@code g} to the pending gradient of {@code target}; the caller still releases {@code g}. */
        void accumulate(Tensor target, Tensor g) {
            Tensor existing = completed(pending.get(target));
            if (existing == null) {
                pending.put(target, g);
                references.merge(g.storage(), 1, Integer::sum);
            } else if (ownSums.containsKey(existing) && references.get(existing.storage()) == 1) {
                Ops.addInPlace(existing, g);
            } else {
                Tensor sum = Ops.add(existing, g);
                pending.put(target, sum);
                references.merge(sum.storage(), 1, Integer::sum);
                ownSums.put(sum, Boolean.TRUE);
                unreference(existing);
                release(existing);
            }
        }

        /**
         * Adds {@code g} into {@code window} of the pending gradient of {@code target}; the caller still
         * releases {@code g}. The first window of a target gets an uninitialised buffer and later windows
         * disjoint from those already written are copied in, not added: the pieces of a split cost one
         * copy each and no zero fill. Parts no window wrote are zeroed before the sum is read.
         */
        void accumulateWindow(Tensor target, Window window, Tensor g) {
            Tensor existing = pending.get(target);
            Coverage coverage = existing == null ? null : partial.get(existing);
            if (coverage != null && coverage.canTake(window)) {
                Ops.copyInto(g, existing.narrow(window.axis(), window.start(), window.length()));
                if (coverage.add(window)) partial.remove(existing);
                return;
            }
            existing = completed(existing);
            if (existing != null && ownSums.containsKey(existing) && references.get(existing.storage()) == 1) {
                Ops.addInPlace(existing.narrow(window.axis(), window.start(), window.length()), g);
                return;
            }
            Tensor sum;
            if (existing == null) {
                sum = Tensor.empty(target.dtype(), target.shape());
                Ops.copyInto(g, sum.narrow(window.axis(), window.start(), window.length()));
                Coverage fresh = new Coverage(window.axis(), target.dim(window.axis()));
                if (!fresh.add(window)) partial.put(sum, fresh);
            } else {
                sum = window.padded(g, target);
                Ops.addInPlace(sum, existing);
                unreference(existing);
                release(existing);
            }
            pending.put(target, sum);
            references.merge(sum.storage(), 1, Integer::sum);
            ownSums.put(sum, Boolean.TRUE);
        }

        /** {@code g} with the parts no window has written yet zeroed (g itself; null for null). */
        private Tensor completed(Tensor g) {
            Coverage coverage = g == null ? null : partial.remove(g);
            if (coverage != null) coverage.zeroGaps(g);
            return g;
        }

        /** Removes and returns the pending gradient of {@code target} (null if none); the caller releases it. */
        Tensor take(Tensor target) {
            Tensor g = completed(pending.remove(target));
            if (g != null) unreference(g);
            return g;
        }

        private void unreference(Tensor g) {
            ownSums.remove(g);
            references.computeIfPresent(g.storage(), (s, n) -> n > 1 ? n - 1 : null);
        }

        /** Frees {@code g} if this backward pass created it and no pending gradient shares its storage. */
        void release(Tensor g) {
            if (!references.containsKey(g.storage())) scope.free(g);
        }

        @Override
        public String toString() { return "GradientMap" + Arrays.toString(pending.values().toArray()); }
    }

    /** The ranges [start, end) of one axis that windows have written into a sum, disjoint and unordered. */
    private static final class Coverage {
        private final int axis, size;
        private final List<int[]> written = new ArrayList<>();
        private int total;

        Coverage(int axis, int size) {
            this.axis = axis;
            this.size = size;
        }

        /** Whether {@code w} lies along this axis and overlaps no written range. */
        boolean canTake(Window w) {
            if (w.axis() != axis) return false;
            for (int[] r : written) if (w.start() < r[1] && r[0] < w.start() + w.length()) return false;
            return true;
        }

        /** Records {@code w} as written; true when the whole axis is now written. */
        boolean add(Window w) {
            written.add(new int[] {w.start(), w.start() + w.length()});
            total += w.length();
            return total == size;
        }

        /** Zeroes the ranges of {@code sum} no window wrote. */
        void zeroGaps(Tensor sum) {
            written.sort((a, b) -> Integer.compare(a[0], b[0]));
            int at = 0;
            for (int[] r : written) {
                if (r[0] > at) Ops.fill(sum.narrow(axis, at, r[0] - at), 0);
                at = r[1];
            }
            if (at < size) Ops.fill(sum.narrow(axis, at, size - at), 0);
        }
    }
}
