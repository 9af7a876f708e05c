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
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with its error reporting: a failing command prints one line, {@code hone <command>: <message>}
     * (the message names the file, line, tensor or missing GPU), and exits with 1; the stack trace follows only with
     * the environment variable {@code HONE_STACKTRACE} set.
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new HoneCli());
        cli.getSubcommands().get("finetune").getCommandSpec().usageMessage().footer(FinetuneCommand.configKeyHelp());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            String message = e.getMessage() != null ? e.getMessage() : e.toString();
            cmd.getErr().println("hone " + cmd.getCommandName() + ": " + message);
            if (System.getenv("HONE_STACKTRACE") != null) e.printStackTrace(cmd.getErr());
            else cmd.getErr().println("(set HONE_STACKTRACE=1 to see where it happened)");
            cmd.getErr().flush();
            return 1;
        });
        return cli;
    }

    @Override
    public void run() { spec.commandLine().usage(System.out); }
}
