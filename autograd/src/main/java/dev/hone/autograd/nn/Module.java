package dev.hone.autograd.nn;

import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A layer or model: named parameters and named child modules, in registration order (as
 * torch.nn.Module). Parameter paths join names with dots ("layers.0.mlp.up_proj.weight"), which are
 * the keys of {@link #stateDict()} and of Hugging Face checkpoints. Subclasses register everything in
 * their constructor. Afterwards the tree changes only through {@link #replace}, which swaps one child
 * for another (how LoRA wraps a model's linear layers, as PEFT does); modules whose children can be
 * replaced read them through {@link #child} at forward time instead of caching them in fields.
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();

    /** Registers a parameter under its own name and returns it. */
    protected final Parameter register(Parameter p) {
        if (p.name().contains(".") || parameters.containsKey(p.name()) || children.containsKey(p.name())) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter name '" + p.name() + "' is taken or contains a dot");
        }
        parameters.put(p.name(), p);
        return p;
    }

    /** Registers a child module and returns it. */
    protected final <M extends Module> M register(String name, M child) {
        if (name.contains(".") || parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": child name '" + name + "' is taken or contains a dot");
        }
        children.put(name, child);
        return child;
    }

    public final Map<String, Module> children() { return Map.copyOf(children); }

    /** The registered child {@code name}, checked to be a {@code type}. */
    public final <M> M child(String name, Class<M> type) {
        Module m = children.get(name);
        if (m == null) throw new IllegalArgumentException(getClass().getSimpleName() + " has no child '" + name + "' (children: " + children.keySet() + ")");
        if (!type.isInstance(m)) throw new IllegalArgumentException("child '" + name + "' is a " + m.getClass().getSimpleName() + ", not a " + type.getSimpleName());
        return type.cast(m);
    }

    /** Every module of this tree by dotted path ("" for this one), parents before children. */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String path, Map<String, Module> out) {
        out.put(path, this);
        children.forEach((name, child) -> child.collectModules(path.isEmpty() ? name : path + "." + name, out));
    }

    /** The module at a dotted path below this one ("layers.0.self_attn.q_proj"). */
    public final Module module(String dottedPath) {
        Module m = namedModules().get(dottedPath);
        if (m == null) throw new IllegalArgumentException(getClass().getSimpleName() + " has no module '" + dottedPath + "'");
        return m;
    }

    /** Swaps the module at {@code dottedPath} for {@code replacement}; returns the one replaced. */
    public final Module replace(String dottedPath, Module replacement) {
        int dot = dottedPath.lastIndexOf('.');
        Module parent = dot < 0 ? this : module(dottedPath.substring(0, dot));
        String name = dottedPath.substring(dot + 1);
        if (!parent.children.containsKey(name)) throw new IllegalArgumentException(getClass().getSimpleName() + " has no module '" + dottedPath + "'");
        return parent.children.put(name, replacement);
    }

    /** Every parameter of this module and its descendants by dotted path, in registration order. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        parameters.forEach((name, p) -> out.put(prefix + name, p));
        children.forEach((name, child) -> child.collect(prefix + name + ".", out));
    }

    public final List<Parameter> parameters() { return new ArrayList<>(namedParameters().values()); }

    /** The parameters that are trained. */
    public final List<Parameter> trainableParameters() {
        return parameters().stream().filter(Parameter::trainable).toList();
    }

    /** Freezes or unfreezes every parameter of this subtree. */
    public final void trainable(Parameter.Trainability t) {
        for (Parameter p : parameters()) p.setTrainability(t);
    }

    public final void zeroGrad() {
        for (Parameter p : parameters()) p.zeroGrad();
    }

    public final long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) n += p.value().numel();
        return n;
    }

    /** The parameter values by dotted path (the tensors themselves, not copies). */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        namedParameters().forEach((name, p) -> out.put(name, p.value()));
        return out;
    }

    /**
     * Copies values into the parameters (shapes and dtypes must match). Every parameter must be
     * present and no extra key may appear; the error names the missing and unexpected keys.
     */
    public final void loadStateDict(Map<String, Tensor> state) {
        Map<String, Parameter> named = namedParameters();
        Set<String> missing = new TreeSet<>(named.keySet());
        missing.removeAll(state.keySet());
        Set<String> unexpected = new TreeSet<>(state.keySet());
        unexpected.removeAll(named.keySet());
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".loadStateDict: missing keys " + missing + ", unexpected keys " + unexpected);
        }
        named.forEach((name, p) -> {
            Tensor src = state.get(name), dst = p.value();
            if (!src.shape().equals(dst.shape()) || src.dtype() != dst.dtype()) {
                throw new IllegalArgumentException("loadStateDict: '" + name + "' is " + src.shape() + " " + src.dtype() + ", parameter is "
                        + dst.shape() + " " + dst.dtype());
            }
            Ops.copyInto(src, dst);
        });
    }
}
