package dev.hone.examples;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** A failing command says what failed in one line and exits with 1, without a stack trace unless asked for. */
class CommandErrorsTest {

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
