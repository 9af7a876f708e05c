package dev.hone.examples;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.checkpoint.HfCheckpoint;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.TokenBatch;
import dev.hone.transformer.quantized.QuantizedCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code hone merge} end to end on stories260K with a LoRA adapter: the dense merge computes base + adapter, and
 * {@code --requantize} writes a bitsandbytes NF4 folder (warning that rounding changes results) whose logits stay
 * close to the dense merge's but not equal to them. It replaces its own earlier output, and refuses, before writing
 * anything, the base model's folder and a folder that holds other weights.
 */
class MergeCommandTest {

    @Test
    void mergeWritesADenseFolderAndRequantizeAnNf4One(@TempDir Path dir) throws Exception {
        Path shared = DemoCommand.findShared();
        Path base = shared.resolve("models/stories260K/stories260K.bin");
        Path adapter = dir.resolve("adapter");
        int[] ids;
        float[] adapted;
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            LlamaModel model = RandomAdapter.saveFor(base, adapter);
            ids = new int[] {1, 403, 261, 394, 9, 300, 330};
            adapted = model.logits(TokenBatch.single(ids, 0)).toFloatArray();
        }

        Path dense = dir.resolve("dense"), nf4 = dir.resolve("nf4");
        String out = CliRun.stdout("merge", "--base-model", base.toString(), "--adapter", adapter.toString(), "--output", dense.toString());
        assertThat(out).contains("merged");
        String out4 = CliRun.stdout("merge", "--base-model", base.toString(), "--adapter", adapter.toString(), "--output", nf4.toString(), "--requantize");
        assertThat(out4).contains("warning: requantizing");
        assertThat(Files.readString(nf4.resolve("config.json"))).contains("quantization_config").contains("nf4");
        assertThat(nf4.resolve("tokenizer.json")).isNotEmptyFile();

        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            float[] merged = HfCheckpoint.load(dense, DType.F32, HfCheckpoint.Residence.COPIED).logits(TokenBatch.single(ids, 0)).toFloatArray();
            float[] requantized = QuantizedCheckpoint.load(nf4, DType.F32).logits(TokenBatch.single(ids, 0)).toFloatArray();
            assertThat(maxAbsDiff(merged, adapted)).as("dense merge vs base + adapter").isLessThan(1e-3f);
            float requantError = maxAbsDiff(requantized, merged);
            assertThat(requantError).as("NF4 rounding changes the logits").isGreaterThan(1e-3f);
            assertThat(requantError).as("but not beyond NF4's error").isLessThan(0.25f * maxAbs(merged));
        }
    }

    @Test
    void mergeRefusesTheBaseFolderAndAFolderHoldingOtherWeightsAndReplacesItsOwnOutput(@TempDir Path dir) throws Exception {
        Path base = DemoCommand.findShared().resolve("models/stories260K/stories260K.bin");
        Path adapter = dir.resolve("adapter"), dense = dir.resolve("dense"), sharded = dir.resolve("sharded");
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            RandomAdapter.saveFor(base, adapter);
        }
        String[] merge = {"merge", "--adapter", adapter.toString(), "--base-model"};
        CliRun.stdout(concat(merge, base.toString(), "--output", dense.toString()));
        byte[] weights = Files.readAllBytes(dense.resolve("model.safetensors"));
        CliRun.stdout(concat(merge, base.toString(), "--output", dense.toString()));
        assertThat(Files.readAllBytes(dense.resolve("model.safetensors"))).as("a second merge replaces the first").isEqualTo(weights);

        assertThat(failure(concat(merge, dense.toString(), "--output", dense.toString())))
                .startsWith("hone merge: merge: --output " + dense + " is the base model's folder");
        assertThat(Files.readAllBytes(dense.resolve("model.safetensors"))).as("the base is untouched").isEqualTo(weights);

        Files.createDirectories(sharded);
        Files.write(sharded.resolve("model-00001-of-00002.safetensors"), new byte[8]);
        Files.writeString(sharded.resolve("model.safetensors.index.json"), "{}");
        assertThat(failure(concat(merge, base.toString(), "--output", sharded.toString())))
                .contains("already holds model weights [model-00001-of-00002.safetensors, model.safetensors.index.json]");
        assertThat(sharded.resolve("model.safetensors")).doesNotExist();
        assertThat(sharded.resolve("config.json")).doesNotExist();
    }

    private static String[] concat(String[] head, String... tail) {
        String[] all = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    /** Runs a command that must fail with exit code 1; returns its error line. */
    private static String failure(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = HoneCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute(args)).as(err.toString()).isEqualTo(1);
        return err.toString();
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    private static float maxAbs(float[] a) {
        float m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }
}
