package dev.hone.examples;

import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code hone generate --adapter}: greedy text from the base with a PEFT adapter on top equals greedy text from the
 * folder {@code hone merge} writes for the same adapter, and differs from the base's; {@code --chat} sends the prompt
 * as a user turn of the tokenizer's chat template (stories260K's has no chat tokens: the plain template).
 */
class GenerateCommandTest {

    @Test
    void anAdapterGeneratesAsItsMergedModelDoes(@TempDir Path dir) {
        Path stories = DemoCommand.findShared().resolve("models/stories260K");
        Path base = stories.resolve("stories260K.bin"), tokenizer = stories.resolve("tok512.bin");
        Path adapter = dir.resolve("adapter"), merged = dir.resolve("merged");
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            RandomAdapter.saveFor(base, adapter);
        }
        CliRun.stdout("merge", "--base-model", base.toString(), "--adapter", adapter.toString(), "--output", merged.toString());
        String[] greedy = {"--tokenizer", tokenizer.toString(), "--temperature", "0", "--max-tokens", "24", "--prompt", "Once upon a time"};

        String plain = generate(base, greedy);
        String adapted = generate(base, greedy, "--adapter", adapter.toString());
        String fromMerged = generate(merged, greedy);

        assertThat(adapted).startsWith("Once upon a time").isEqualTo(fromMerged).isNotEqualTo(plain);
        assertThat(generate(base, greedy, "--adapter", adapter.toString(), "--chat")).startsWith("User: Once upon a time\nAssistant:");
    }

    private static String generate(Path model, String[] options, String... more) {
        String[] args = new String[3 + options.length + more.length];
        args[0] = "generate";
        args[1] = "--model";
        args[2] = model.toString();
        System.arraycopy(options, 0, args, 3, options.length);
        System.arraycopy(more, 0, args, 3 + options.length, more.length);
        return CliRun.stdout(args);
    }
}
