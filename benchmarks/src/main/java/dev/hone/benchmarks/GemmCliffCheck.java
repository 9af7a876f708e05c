package dev.hone.benchmarks;

import dev.hone.cpu.gemm.Gemm;
import dev.hone.cpu.parallel.WorkerPool;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The JIT-cliff check: under default tiered compilation a Vector API kernel can end up compiled with
 * its vector operations not intrinsified (a callee that C2 refused to inline: "hot method too big",
 * "already compiled into a big method"), after which every vector op allocates and the kernel runs
 * ~80x slower for the life of the JVM. Which JVM falls in is luck of compile timing, so this starts
 * several fresh JVMs per scenario and reports the GFLOP/s each one settles at. A scenario fails when
 * any JVM is more than 10x slower than the best one; the exit status is 1 then.
 *
 * <p>Scenarios (what the cold JVM runs before timing square1024 on one thread): {@code square} (nothing),
 * {@code small-first} (LoRA shapes with k = 16 and 768, and GEMVs — short kernel loops first, the
 * pattern that trapped a peer's tiled kernel at kc = 128).
 * Usage: GemmCliffCheck [JVMS (default 6)] [extra JVM flags, e.g. -XX:-TieredCompilation ...]
 */
public final class GemmCliffCheck {
    private static final String[] SCENARIOS = {"square", "small-first"};

    private GemmCliffCheck() { }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length >= 2 && args[0].equals("--child")) {
            child(args[1]);
            return;
        }
        int jvms = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        List<String> extraFlags = args.length > 1 ? Arrays.asList(args).subList(1, args.length) : List.of();
        boolean cliff = false;
        for (String scenario : SCENARIOS) {
            double[] gflops = new double[jvms];
            for (int j = 0; j < jvms; j++) gflops[j] = runChild(scenario, extraFlags);
            double best = Arrays.stream(gflops).max().orElse(0);
            long stuck = Arrays.stream(gflops).filter(g -> g < best / 10).count();
            cliff |= stuck > 0;
            System.out.printf("%-12s flags=%s GFLOP/s per JVM: %s  -> %d/%d JVMs >10x slower than the best%n",
                    scenario, extraFlags, Arrays.toString(Arrays.stream(gflops).map(g -> Math.round(g * 10) / 10.0).toArray()),
                    stuck, jvms);
        }
        System.out.println(cliff ? "CLIFF: at least one JVM fell off the JIT cliff" : "no JIT cliff seen");
        System.exit(cliff ? 1 : 0);
    }

    private static double runChild(String scenario, List<String> extraFlags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(extraFlags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), GemmCliffCheck.class.getName(), "--child", scenario));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        double result = Double.NaN;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("GFLOPS ")) result = Double.parseDouble(line.substring(7));
                if (line.startsWith("ALLOC ")) System.out.print("[" + scenario + ": " + line.substring(6) + " bytes allocated per call] ");
            }
        }
        if (p.waitFor() != 0 || Double.isNaN(result)) {
            throw new IllegalStateException("GemmCliffCheck: child JVM for scenario " + scenario + " failed: " + cmd);
        }
        return result;
    }

    private static void child(String scenario) {
        try (WorkerPool pool = new WorkerPool(1)) {
            Gemm gemm = new Gemm(pool);
            if (scenario.equals("small-first")) {
                for (String warm : new String[] {"lora_B_r16", "lora_A_r16", "gemv", "gemv_xWT"}) {
                    try (GemmOperands ops = new GemmOperands(GemmShape.byName(warm), 1)) {
                        for (int i = 0; i < 30; i++) ops.multiply(gemm);
                    }
                }
            } else if (!scenario.equals("square")) {
                throw new IllegalArgumentException("GemmCliffCheck: unknown scenario '" + scenario + "'");
            }
            GemmShape square = GemmShape.byName("square1024");
            try (GemmOperands ops = new GemmOperands(square, 2)) {
                long settleUntil = System.nanoTime() + 2_000_000_000L;
                while (System.nanoTime() < settleUntil) ops.multiply(gemm);
                double[] ms = GemmSpeedMain.time(() -> ops.multiply(gemm), square.flops());
                var threadBean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
                long before = threadBean.getCurrentThreadAllocatedBytes();
                ops.multiply(gemm);
                long allocated = threadBean.getCurrentThreadAllocatedBytes() - before;
                System.out.println("ALLOC " + allocated);
                System.out.println("GFLOPS " + square.flops() / ms[0] / 1e6);
            }
        }
    }
}
