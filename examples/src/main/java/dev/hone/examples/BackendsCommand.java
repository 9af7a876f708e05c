package dev.hone.examples;

import dev.hone.tensor.spi.BackendProvider;
import dev.hone.tensor.spi.Backends;
import picocli.CommandLine.Command;

/** {@code hone backends}: lists the backends on the class path and whether each can run here, with the reason. */
@Command(name = "backends", mixinStandardHelpOptions = true, description = "List compute backends and whether they are available here.")
final class BackendsCommand implements Runnable {
    @Override
    public void run() {
        for (BackendProvider p : Backends.providers()) {
            System.out.printf("%-10s priority %3d  %s%n", p.name(), p.priority(), p.probe());
        }
    }
}
