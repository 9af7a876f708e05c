package dev.hone.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code hone} command line: one subcommand per job. Started by the {@code ./hone} launcher, which
 * finds a JDK 25 and adds {@code --add-modules jdk.incubator.vector}.
 */
@Command(name = "hone", mixinStandardHelpOptions = true, version = "hone 0.1.0",
        description = "Fine-tune language models in pure Java.",
        subcommands = {DemoCommand.class, FinetuneCommand.class, EvalCommand.class, MergeCommand.class, GenerateCommand.class, SmokeCommand.class,
                BackendsCommand.class,
                CommandLine.HelpCommand.class})
public final class HoneCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new HoneCli()).execute(args));
    }

    @Override
    public void run() { spec.commandLine().usage(System.out); }
}
