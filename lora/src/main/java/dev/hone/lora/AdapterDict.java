package dev.hone.lora;

import dev.hone.autograd.nn.Module;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One child module per adapter name (torch.nn.ModuleDict keyed by adapter, as PEFT holds
 * {@code lora_A}, {@code lora_B} and {@code lora_magnitude_vector}), so parameter paths read
 * "q_proj.lora_A.default.weight" exactly as in a PEFT model's state dict. Unlike most modules this
 * one grows after construction: {@link #put} registers an adapter's module when the adapter is added;
 * names are never reused or removed.
 */
final class AdapterDict<M extends Module> extends Module {
    private final Map<String, M> byName = new LinkedHashMap<>();

    void put(String adapterName, M module) {
        if (byName.containsKey(adapterName)) throw new IllegalArgumentException("adapter '" + adapterName + "' already exists");
        byName.put(adapterName, register(adapterName, module));
    }

    M get(String adapterName) {
        M m = byName.get(adapterName);
        if (m == null) throw new IllegalArgumentException("no adapter '" + adapterName + "' (adapters: " + byName.keySet() + ")");
        return m;
    }

    boolean contains(String adapterName) { return byName.containsKey(adapterName); }

    Set<String> names() { return Set.copyOf(byName.keySet()); }
}
