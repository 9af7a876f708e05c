package dev.hone.autograd.nn;

import java.util.ArrayList;
import java.util.List;

/** An indexed list of child modules named "0", "1", ... (torch.nn.ModuleList), e.g. a model's decoder layers. */
public final class ModuleList<M extends Module> extends Module {
    private final List<M> items = new ArrayList<>();

    public ModuleList(List<M> modules) {
        for (M m : modules) items.add(register(Integer.toString(items.size()), m));
    }

    public M get(int i) { return items.get(i); }

    public int size() { return items.size(); }

    public List<M> asList() { return List.copyOf(items); }
}
