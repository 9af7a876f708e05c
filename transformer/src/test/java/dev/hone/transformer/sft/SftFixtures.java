package dev.hone.transformer.sft;

import dev.hone.lora.LoraConfig;
import dev.hone.tensor.DType;
import dev.hone.transformer.checkpoint.Llama2cCheckpoint;
import dev.hone.transformer.data.DataSource;
import dev.hone.transformer.data.MalformedInputPolicy;
import dev.hone.transformer.data.SftDataConfig;
import dev.hone.transformer.data.ValidationSize;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.tokenizer.Tokenizer;
import dev.hone.transformer.tokenizer.Tokenizers;
import dev.hone.transformer.train.config.AdapterKind;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Shared material for the SFT tests: the real stories260K model and tokenizer from {@code shared/}, the first
 * lines of the customer-support chat data copied to a temporary file, and a small QLoRA trainer over them.
 */
final class SftFixtures {
    private SftFixtures() { }

    static Path shared() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            for (Path candidate : List.of(dir.resolve("shared"), dir.resolveSibling("shared"))) {
                if (Files.isRegularFile(candidate.resolve("models/stories260K/stories260K.bin"))) return candidate;
            }
        }
        throw new IllegalStateException("shared/ with models/stories260K not found above " + Path.of("").toAbsolutePath());
    }

    static Path customerSupport() {
        return shared().resolve("data/customer-support/bitext_customer_support_6480_short.DERIVED.messages.jsonl");
    }

    static LlamaModel stories260K() { return Llama2cCheckpoint.load(shared().resolve("models/stories260K/stories260K.bin"), DType.F32); }

    static Tokenizer tok512() { return Tokenizers.load(shared().resolve("models/stories260K/tok512.bin")); }

    /** The first {@code lines} lines of the customer-support data, every {@code stride}-th line, in {@code dir}. */
    static Path supportSample(Path dir, int lines, int stride) throws IOException {
        List<String> all = Files.readAllLines(customerSupport(), StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder();
        for (int i = 0, n = 0; i < all.size() && n < lines; i += stride, n++) sb.append(all.get(i)).append('\n');
        Path file = dir.resolve("support.jsonl");
        Files.writeString(file, sb, StandardCharsets.UTF_8);
        return file;
    }

    static SftDataConfig data(Path file, int sequenceLen, int validation) {
        return SftDataConfig.defaults(DataSource.of(file), sequenceLen).withValSetSize(new ValidationSize.Count(validation))
                .withMalformed(MalformedInputPolicy.STOP).withSeed(7);
    }

    /** QLoRA r=8 on every linear layer, a short cosine run with checkpoints every 5 steps. */
    static Trainer.Builder smallQlora(LlamaModel model, SftDataConfig data, Path out, PrintStream log) {
        return Trainer.builder().model(model, tok512()).data(data)
                .adapter(AdapterKind.QLORA, LoraConfig.builder().r(8).loraAlpha(16).loraDropout(0.05).allLinear().build())
                .learningRate(4e-3).warmupSteps(2).microBatchSize(2).gradientAccumulationSteps(2).seed(11)
                .saveSteps(5).evalSteps(10).outputDir(out).out(log).logLines(Duration.ZERO).sampleGenerations(2);
    }
}
