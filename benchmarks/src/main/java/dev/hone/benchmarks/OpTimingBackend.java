package dev.hone.benchmarks;

import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.FourBitOps;
import dev.hone.tensor.spi.FusedOps;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A profiling wrapper around any backend: every primitive, fused op and 4-bit op is timed, with the device
 * synchronised before and after (for an accelerator, through its public {@code synchronize()} method when it
 * has one), so each op's time is its own. The synchronisation serialises the device, so totals are an upper
 * bound of a real run; the split between ops is what it is for. {@code -Dhone.profile=shapes} splits each op by its
 * tensors' shapes. Not thread-safe (one scope, one thread).
 */
public final class OpTimingBackend {
    private static final Set<String> UNTIMED = Set.of("name", "device", "allocate", "memoryStats", "close", "fused", "fourBit",
            "supports", "toString", "hashCode", "equals");

    private final Backend inner;
    private final Runnable sync;
    private final Map<String, long[]> totals = new HashMap<>();                       // name -> {nanos, calls}
    private final boolean byShape = "shapes".equals(System.getProperty("hone.profile"));

    private OpTimingBackend(Backend inner) {
        this.inner = inner;
        this.sync = synchronizer(inner);
    }

    /** A backend that times every op of {@code inner} into {@code profile}'s table. */
    public static Backend wrap(Backend inner, OpTimingBackend[] profile) {
        OpTimingBackend p = new OpTimingBackend(inner);
        profile[0] = p;
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, p.handler(inner, ""));
    }

    private InvocationHandler handler(Object target, String prefix) {
        return (proxy, method, args) -> {
            String name = method.getName();
            if (name.equals("fused") && target == inner) return inner.fused().map(f -> (FusedOps) proxyOf(FusedOps.class, f, "fused."));
            if (name.equals("fourBit") && target == inner) return inner.fourBit().map(f -> (FourBitOps) proxyOf(FourBitOps.class, f, "4bit."));
            if (UNTIMED.contains(name) || method.isDefault() && target == inner && !isOverridden(target, method)) return invoke(method, target, args, proxy);
            sync.run();
            long t0 = System.nanoTime();
            Object result = invoke(method, target, args, proxy);
            sync.run();
            long[] t = totals.computeIfAbsent(prefix + name + (byShape ? shapes(args) : ""), k -> new long[2]);
            t[0] += System.nanoTime() - t0;
            t[1]++;
            return result;
        };
    }

    /** The tensor arguments' shapes, a trailing T on those whose last two axes are transposed (-Dhone.profile=shapes). */
    private static String shapes(Object[] args) {
        StringBuilder sb = new StringBuilder();
        if (args == null) return "";
        for (Object a : args) {
            if (!(a instanceof dev.hone.tensor.Tensor t)) continue;
            sb.append(' ').append(t.shape());
            if (t.rank() >= 2 && t.stride(-1) != 1 && t.stride(-2) == 1) sb.append('T');
        }
        return sb.toString();
    }

    private Object proxyOf(Class<?> type, Object target, String prefix) {
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler(target, prefix));
    }

    /** A default method the backend does not override (e.g. matmulSum as two matmuls) runs on the proxy, so its parts are timed. */
    private static boolean isOverridden(Object target, Method m) {
        try {
            return !target.getClass().getMethod(m.getName(), m.getParameterTypes()).isDefault();
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static Object invoke(Method m, Object target, Object[] args, Object proxy) throws Throwable {
        try {
            if (m.isDefault() && !isOverridden(target, m)) return InvocationHandler.invokeDefault(proxy, m, args);
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static Runnable synchronizer(Backend b) {
        try {
            Method m = b.getClass().getMethod("synchronize");
            return () -> {
                try {
                    m.invoke(b);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("synchronize() of " + b.name(), e);
                }
            };
        } catch (NoSuchMethodException e) {
            return () -> { };
        }
    }

    private int width() { return Math.max(34, totals.keySet().stream().mapToInt(String::length).max().orElse(0)); }

    /** Clears the table (after warm-up steps). */
    public void reset() { totals.clear(); }

    /** The table, largest total first: op, calls, total ms per step, share. */
    public String table(int steps) {
        double all = totals.values().stream().mapToLong(t -> t[0]).sum();
        StringBuilder sb = new StringBuilder(String.format("%-" + width() + "s %8s %12s %7s%n", "op (" + inner.name() + ")", "calls/step", "ms/step", "share"));
        totals.entrySet().stream().sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[0]).reversed())
                .forEach(e -> sb.append(String.format("%-" + width() + "s %8.1f %12.2f %6.1f%%%n", e.getKey(), e.getValue()[1] / (double) steps,
                        e.getValue()[0] / 1e6 / steps, 100 * e.getValue()[0] / all)));
        sb.append(String.format("%-" + width() + "s %8s %12.2f%n", "total (synchronised)", "", all / 1e6 / steps));
        return sb.toString();
    }
}
