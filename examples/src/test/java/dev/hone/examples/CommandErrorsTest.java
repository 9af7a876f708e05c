package dev.hone.examples;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A failing command says what failed in one line and exits with 1, without a stack trace unless asked for; every
 * command answers --help with its usage (finetune's lists the config keys), even when it has required options.
 */
class CommandErrorsTest {

    @Test
    void everyCommandAnswersHelpAndFinetuneListsItsConfigKeys() {
        for (String command : new String[] {"demo", "finetune", "eval", "merge", "generate", "smoke", "backends"}) {
            assertThat(CliRun.stdout(command, "--help")).as(command).startsWith("Usage: hone " + command);
        }
        assertThat(CliRun.stdout("finetune", "--help")).contains("Config keys:", "  lora_model_dir\n", "Keys of a datasets entry:",
                "  field_label\n");
    }

    @Test
    void anUnavailableBackendIsOneLineAndExitCodeOne() {
        StringWriter err = new StringWriter();
        CommandLine cli = HoneCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("smoke", "--steps", "1", "--backend", "no-such-backend");
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("hone smoke: no backend named 'no-such-backend' on the class path (found: [")
                .contains("cpu").doesNotContain("\tat ");
    }
}
