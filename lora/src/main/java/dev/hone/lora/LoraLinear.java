package dev.hone.lora;

import dev.hone.autograd.Diff;
import dev.hone.autograd.Tape;
import dev.hone.autograd.nn.Linear;
import dev.hone.autograd.nn.LinearLayer;
import dev.hone.autograd.nn.Module;
import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A LoRA wrapper around any linear-like layer (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large
 * Language Models"): y = base(x) + B(A(dropout(x))) · scale with A [r, in], B [out, r], the base
 * frozen. Plain LoRA runs as one fused op: {@link Diff#lowRankLinear} over a dense {@link Linear} base's
 * weight when dropout is off, otherwise (dropout, or any other base such as a quantized layer)
 * {@link Diff#lowRankUpdate} onto the base output; both accumulate the update into the output buffer
 * instead of adding a separate [..., out] temporary, and fold the scale into the narrow products.
 * With DoRA (Liu et al. 2024) it adds, as PEFT's {@code DoraLinearLayer}:
 * (m / ||W + s·BA||_row − 1) ⊙ (x W^T) + (m / ||W + s·BA||_row) ⊙ B(A(dropout(x))) · s, where the row
 * norm over the input dimension is a constant in backward (section 4.3 of the paper) and x W^T is the
 * base output minus its bias when dropout is off, else the base applied to the dropped-out input.
 *
 * <p>Children mirror PEFT's module tree, so parameter paths equal a PEFT model's state-dict keys:
 * {@code base_layer} (the wrapped layer), {@code lora_A.<adapter>.weight} [r, in],
 * {@code lora_B.<adapter>.weight} [out, r], {@code lora_magnitude_vector.<adapter>.weight} [out].
 *
 * <p>Invariants: several adapters may be held; at most one is active, and none while adapters are
 * disabled; while an adapter is merged into the base weight the forward is the base alone, and
 * switching or disabling unmerges first. The adapter dtype is fixed per adapter; inputs of another
 * dtype are cast to it and the LoRA term cast back to the base output's dtype.
 */
public final class LoraLinear extends Module implements LinearLayer {

    /** Dropout on (TRAINING) or off (INFERENCE), as torch's module.train() / eval(). */
    public enum Mode { TRAINING, INFERENCE }

    /** One adapter's rank, alpha, resulting scale, dropout probability and variant. */
    public record AdapterSettings(int rank, double alpha, double scale, double dropout, LoraConfig.Variant variant) { }

    /** What {@link #merge} did: the adapter, and DoRA's row factor m / ||W + s·BA|| (host copy, null for LoRA) that unmerge divides by. */
    private record Merged(String adapter, double[] doraFactor) { }

    private final LinearLayer base;
    private final AdapterDict<Linear> loraA;
    private final AdapterDict<Linear> loraB;
    private final AdapterDict<DoraMagnitude> magnitudes;
    private final Map<String, AdapterSettings> settings = new LinkedHashMap<>();
    private final long dropoutSeedBase;
    private String active;
    private Mode mode = Mode.TRAINING;
    private long dropoutStep;
    private Merged merged;

    /** Wraps {@code base} (which must be a {@link Module}) and freezes it; {@code dropoutSeed} seeds this layer's dropout masks. */
    public LoraLinear(LinearLayer base, long dropoutSeed) {
        if (!(base instanceof Module baseModule)) {
            throw new IllegalArgumentException("LoraLinear: base " + base.getClass().getName() + " is not a Module");
        }
        baseModule.trainable(Parameter.Trainability.FROZEN); // before anything reads a value inside an open tape
        this.base = base;
        this.dropoutSeedBase = dropoutSeed;
        register("base_layer", baseModule);
        this.loraA = register("lora_A", new AdapterDict<>());
        this.loraB = register("lora_B", new AdapterDict<>());
        this.magnitudes = register("lora_magnitude_vector", new AdapterDict<>());
    }

    public LinearLayer base() { return base; }

    @Override
    public int inFeatures() { return base.inFeatures(); }

    @Override
    public int outFeatures() { return base.outFeatures(); }

    // ---------------------------------------------------------------- adapters

    /**
     * Adds adapter {@code name} with the given weights (used as they are, not copied): A [r, in], B [out, r]
     * and, for DoRA, the magnitude [out] (null to initialise it as ||W + s·BA||_row, PEFT's init).
     * The adapter's parameters are trainable; the new adapter is not made active.
     */
    public void addAdapter(String name, AdapterSettings s, Tensor a, Tensor b, Tensor magnitude) {
        int in = inFeatures(), out = outFeatures();
        if (!a.shape().equals(Shape.of(s.rank(), in)) || !b.shape().equals(Shape.of(out, s.rank()))
                || a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("LoraLinear.addAdapter '" + name + "': expected lora_A [" + s.rank() + ", " + in + "] and lora_B ["
                    + out + ", " + s.rank() + "] of one dtype, got " + a.shape() + " " + a.dtype() + " and " + b.shape() + " " + b.dtype());
        }
        if (settings.containsKey(name)) throw new IllegalArgumentException("LoraLinear.addAdapter: adapter '" + name + "' already exists");
        loraA.put(name, new Linear(a, null));
        loraB.put(name, new Linear(b, null));
        if (s.variant() == LoraConfig.Variant.DORA) {
            Tensor m = magnitude != null ? magnitude : Tape.withoutRecording(() -> rowNorm(weightPlusDelta(a, b, s.scale())));
            if (!m.shape().equals(Shape.of(out)) || m.dtype() != a.dtype()) {
                throw new IllegalArgumentException("LoraLinear.addAdapter '" + name + "': DoRA magnitude must be [" + out + "] " + a.dtype()
                        + ", got " + m.shape() + " " + m.dtype());
            }
            magnitudes.put(name, new DoraMagnitude(m));
        } else if (magnitude != null) {
            throw new IllegalArgumentException("LoraLinear.addAdapter '" + name + "': a magnitude vector was given for a plain LoRA adapter");
        }
        settings.put(name, s);
    }

    public Set<String> adapterNames() { return Set.copyOf(settings.keySet()); }

    public AdapterSettings settings(String adapter) {
        AdapterSettings s = settings.get(adapter);
        if (s == null) throw new IllegalArgumentException("LoraLinear: no adapter '" + adapter + "' (adapters: " + settings.keySet() + ")");
        return s;
    }

    public Parameter loraA(String adapter) { return loraA.get(adapter).weight(); }

    public Parameter loraB(String adapter) { return loraB.get(adapter).weight(); }

    /** DoRA's magnitude of {@code adapter}, or null for a plain LoRA adapter. */
    public Parameter magnitude(String adapter) { return magnitudes.contains(adapter) ? magnitudes.get(adapter).weight() : null; }

    /** The adapter the forward applies, or null when none is (base only). */
    public String activeAdapter() { return active; }

    /** Makes {@code adapter} active, or none when null; unmerges first if another adapter is merged. */
    public void setActiveAdapter(String adapter) {
        if (adapter != null) settings(adapter);
        if (merged != null && !merged.adapter().equals(adapter)) unmerge();
        active = adapter;
    }

    public Mode mode() { return mode; }

    public void setMode(Mode m) { mode = m; }

    /** Dropout masks are a function of this layer's seed and {@code step}: recomputation within one step reproduces them. */
    public void setDropoutStep(long step) { dropoutStep = step; }

    // ---------------------------------------------------------------- forward

    @Override
    public Tensor forward(Tensor x) {
        if (active == null || merged != null) return base.forward(x); // [..., out]
        AdapterSettings s = settings.get(active);
        Tensor wa = loraA.get(active).weight().value(), wb = loraB.get(active).weight().value(); // [r, in], [out, r]
        DType adapterType = wa.dtype();
        boolean dropping = mode == Mode.TRAINING && s.dropout() > 0;
        if (s.variant() == LoraConfig.Variant.LORA && x.dtype() == adapterType) {
            if (!dropping && base instanceof Linear dense && dense.weight().value().dtype() == adapterType) {
                Tensor y = Diff.lowRankLinear(x, dense.weight().value(), wa, wb, s.scale()); // [..., out]
                return dense.bias() == null ? y : Diff.add(y, dense.bias().value());
            }
            Tensor result = base.forward(x); // [..., out]
            if (result.dtype() == adapterType) {
                Tensor dropped = dropping ? Diff.dropout(x, s.dropout(), dropoutSeed()) : x;
                return base.forwardResultIsWritable() ? Diff.lowRankUpdateInPlace(result, dropped, wa, wb, s.scale())
                        : Diff.lowRankUpdate(result, dropped, wa, wb, s.scale());
            }
            return composedForward(result, x, s);
        }
        return composedForward(base.forward(x), x, s);
    }

    /**
     * The LoRA or DoRA term added to the base output {@code result} op by op, for DoRA and for dtypes the
     * fused {@link Diff#lowRankUpdate} does not cover (adapter dtype differing from the input's or the
     * base output's).
     */
    private Tensor composedForward(Tensor result, Tensor x, AdapterSettings s) {
        Linear a = loraA.get(active), b = loraB.get(active);
        DType adapterType = a.weight().value().dtype();
        Tensor xa = x.dtype() == adapterType ? x : Diff.cast(x, adapterType);
        Tensor dropped = mode == Mode.TRAINING && s.dropout() > 0 ? Diff.dropout(xa, s.dropout(), dropoutSeed()) : xa;
        if (s.variant() == LoraConfig.Variant.DORA) {
            Tensor lora = b.forward(a.forward(dropped)); // [..., out]
            Tensor baseOut = dropped == xa ? result : base.forward(dropped.dtype() == x.dtype() ? dropped : Diff.cast(dropped, x.dtype()));
            Tensor delta = doraDelta(baseOut, lora, s);
            return Diff.add(result, delta.dtype() == result.dtype() ? delta : Diff.cast(delta, result.dtype()));
        }
        // the scale multiplies the narrow [..., r] activation, not the [..., out] result: r/out of the elementwise work
        Tensor delta = b.forward(Diff.mul(a.forward(dropped), s.scale())); // [..., out]
        return Diff.add(result, delta.dtype() == result.dtype() ? delta : Diff.cast(delta, result.dtype()));
    }

    /**
     * (m / n − 1) ⊙ x W^T + (m / n) ⊙ lora · s with n = ||W + s·BA||_row detached; {@code baseOut} is the
     * base applied to the (dropped-out) input, bias included.
     */
    private Tensor doraDelta(Tensor baseOut, Tensor lora, AdapterSettings s) {
        Tensor wa = loraA.get(active).weight().value(), wb = loraB.get(active).weight().value();
        Tensor norm = Tape.withoutRecording(() -> rowNorm(weightPlusDelta(wa, wb, s.scale()))); // [out], constant
        Tensor factor = Diff.div(magnitudes.get(active).weight().value(), norm); // [out]
        BaseWeights bw = Tape.withoutRecording(() -> BaseWeights.of(base, wa.dtype()));
        Tensor xw = bw.bias() == null ? baseOut : Diff.sub(baseOut, bw.bias()); // [..., out]
        if (xw.dtype() != wa.dtype()) xw = Diff.cast(xw, wa.dtype());
        return Diff.add(Diff.mul(Diff.add(factor, -1.0), xw), Diff.mul(Diff.mul(lora, s.scale()), factor));
    }

    private long dropoutSeed() { return dropoutSeedBase * 0x9E3779B97F4A7C15L + dropoutStep; }

    // ---------------------------------------------------------------- merging

    /** s·B·A [out, in] of {@code adapter}, as a constant in the adapter's dtype. */
    public Tensor deltaWeight(String adapter) {
        AdapterSettings s = settings(adapter);
        return Tape.withoutRecording(() -> Ops.mul(Ops.matmul(loraB(adapter).value(), loraA(adapter).value()), s.scale()));
    }

    /**
     * The dense weight [out, in] that, with the base bias, computes this layer with {@code adapter}
     * applied and no dropout: W + s·BA, and for DoRA (m / ||W + s·BA||_row) ⊙ (W + s·BA). In the base
     * weight's dtype, in the current scope. Works for any base, dense or not (for export).
     */
    public Tensor mergedWeight(String adapter) {
        AdapterSettings s = settings(adapter);
        return Tape.withoutRecording(() -> {
            DType adapterType = loraA(adapter).value().dtype();
            Tensor w = BaseWeights.of(base, adapterType).weight();
            Tensor sum = Ops.add(Ops.cast(w, adapterType), deltaWeight(adapter));
            Tensor out = s.variant() == LoraConfig.Variant.DORA ? Ops.mul(sum, doraFactor(adapter, sum).reshape(-1, 1)) : sum;
            return Ops.cast(out, w.dtype());
        });
    }

    /** The base bias [out], or null (for export). */
    public Tensor baseBias() {
        return Tape.withoutRecording(() -> BaseWeights.of(base, DType.F32).bias());
    }

    /**
     * Adds the active adapter into the dense base weight in place (W += s·BA, or DoRA's rescaled sum); the
     * forward is then the base alone. The base must be a dense {@link Linear} with a writable weight.
     */
    public void merge() {
        if (merged != null) return;
        if (active == null) throw new IllegalStateException("LoraLinear.merge: no active adapter to merge");
        Linear dense = denseBase("merge");
        AdapterSettings s = settings.get(active);
        Tensor w = dense.weight().value();
        double[] factor;
        try (Scope _ = Scope.open()) {
            Tensor delta = Ops.cast(deltaWeight(active), w.dtype());
            if (s.variant() == LoraConfig.Variant.DORA) {
                Tensor sum = Ops.add(w, delta);
                Tensor f = doraFactor(active, sum); // [out]
                Ops.copyInto(Ops.mul(sum, f.reshape(-1, 1)), w);
                factor = f.toDoubleArray();
            } else {
                Ops.addInPlace(w, delta);
                factor = null;
            }
        }
        merged = new Merged(active, factor);
    }

    /** Undoes {@link #merge}: W -= s·BA (exact up to one rounding per element), or W = W' / f − s·BA for DoRA. */
    public void unmerge() {
        if (merged == null) return;
        Linear dense = denseBase("unmerge");
        Tensor w = dense.weight().value();
        try (Scope _ = Scope.open()) {
            Tensor delta = Ops.cast(deltaWeight(merged.adapter()), w.dtype());
            Tensor original = merged.doraFactor() == null ? Ops.sub(w, delta)
                    : Ops.sub(Ops.div(w, Tensor.of(w.dtype(), merged.doraFactor(), outFeatures(), 1)), delta);
            Ops.copyInto(original, w);
        }
        merged = null;
    }

    public boolean isMerged() { return merged != null; }

    private Linear denseBase(String op) {
        if (base instanceof Linear dense) return dense;
        throw new UnsupportedOperationException("LoraLinear." + op + ": the base is a " + base.getClass().getSimpleName()
                + "; only a dense Linear weight can be changed in place (export with mergedWeight instead)");
    }

    /** m / ||W + s·BA||_row for {@code sum} = W + s·BA. */
    private Tensor doraFactor(String adapter, Tensor sum) {
        return Ops.div(Ops.cast(magnitude(adapter).value(), sum.dtype()), rowNorm(sum));
    }

    private Tensor weightPlusDelta(Tensor a, Tensor b, double scale) {
        Tensor w = BaseWeights.of(base, a.dtype()).weight();
        return Ops.add(Ops.cast(w, a.dtype()), Ops.mul(Ops.matmul(b, a), scale));
    }

    /** ||M[i, :]||_2 for each row i of M [out, in]. */
    private static Tensor rowNorm(Tensor m) { return Ops.sqrt(Ops.sum(Ops.square(m), false, 1)); }
}
