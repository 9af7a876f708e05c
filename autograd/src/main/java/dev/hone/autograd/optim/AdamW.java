package dev.hone.autograd.optim;

import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter 2019, "Decoupled weight decay regularization"), as torch.optim.AdamW:
 * m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr (m / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps) + wd p).
 * Each update runs the backend's fused kernel ({@code FusedOps.adamw}).
 *
 * <p>Invariants: moments are F32 tensors of each trainable parameter's shape, allocated when the
 * optimizer is made, in the scope current then (which should also own the model), so a step allocates
 * nothing that outlives it. Parameters frozen at construction have no state. Parameters without a
 * gradient are skipped. The step counter t starts at 1 on the first {@link #step}.
 */
public final class AdamW {

    /** Hyper-parameters; {@link #DEFAULTS} are torch.optim.AdamW's (betas 0.9, 0.999; eps 1e-8; weight decay 0.01). */
    public record Config(double beta1, double beta2, double eps, double weightDecay) {
        public static final Config DEFAULTS = new Config(0.9, 0.999, 1e-8, 0.01);

        public Config {
            if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps > 0 && weightDecay >= 0)) {
                throw new IllegalArgumentException("AdamW: invalid config beta1 " + beta1 + ", beta2 " + beta2 + ", eps " + eps + ", weight decay " + weightDecay);
            }
        }

        public Config withWeightDecay(double wd) { return new Config(beta1, beta2, eps, wd); }
    }

    private record Slot(Parameter parameter, Tensor m, Tensor v) { }

    private final Config config;
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private long step;

    /** State for every trainable parameter of {@code named} (paths as in {@code Module.namedParameters()}). */
    public AdamW(Map<String, Parameter> named, Config config) {
        this.config = config;
        named.forEach((name, p) -> {
            if (!p.trainable()) return;
            int[] dims = p.value().shape().dims();
            slots.put(name, new Slot(p, Tensor.zeros(DType.F32, dims), Tensor.zeros(DType.F32, dims)));
        });
    }

    public Config config() { return config; }

    /** Number of steps taken so far. */
    public long stepCount() { return step; }

    /** One update of every parameter that has a gradient, with learning rate {@code lr}. */
    public void step(double lr) {
        step++;
        for (Slot s : slots.values()) {
            Parameter p = s.parameter();
            if (p.grad() == null) continue;
            Tensor value = p.value();
            Ops.fused(value).adamw(value, p.grad(), s.m(), s.v(), (float) lr, (float) config.beta1(), (float) config.beta2(),
                    (float) config.eps(), (float) config.weightDecay(), step);
        }
    }

    /** The moments as tensors keyed "path.exp_avg" and "path.exp_avg_sq" (the live tensors, for checkpointing). */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        slots.forEach((name, s) -> {
            out.put(name + ".exp_avg", s.m());
            out.put(name + ".exp_avg_sq", s.v());
        });
        return out;
    }

    /** Restores moments saved by {@link #state()} and the step counter; every key must be present. */
    public void loadState(Map<String, Tensor> state, long stepCount) {
        slots.forEach((name, s) -> {
            copy(state, name + ".exp_avg", s.m());
            copy(state, name + ".exp_avg_sq", s.v());
        });
        this.step = stepCount;
    }

    private static void copy(Map<String, Tensor> state, String key, Tensor into) {
        Tensor src = state.get(key);
        if (src == null) throw new IllegalArgumentException("AdamW.loadState: missing '" + key + "'");
        if (!src.shape().equals(into.shape())) {
            throw new IllegalArgumentException("AdamW.loadState: '" + key + "' is " + src.shape() + ", expected " + into.shape());
        }
        Ops.copyInto(Ops.cast(src, into.dtype()), into);
    }
}
