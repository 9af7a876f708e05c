package dev.hone.examples;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code hone demo}: the README's main job. Until the fine-tuning demo (QLoRA of stories260K on the
 * customer-support set) exists, it runs the engine smoke test: an MLP trained until its loss falls.
 */
@Command(name = "demo", description = "Run the default demo (currently: the engine smoke run).")
final class DemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        SmokeCommand smoke = new SmokeCommand();
        smoke.steps = 800;
        smoke.backendName = "cpu";
        smoke.seed = 42;
        return smoke.call();
    }
}
