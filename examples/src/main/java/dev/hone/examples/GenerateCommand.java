package dev.hone.examples;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.chat.ChatTemplate;
import dev.hone.transformer.chat.ChatTemplates;
import dev.hone.transformer.chat.GenerationPrompt;
import dev.hone.transformer.chat.Message;
import dev.hone.transformer.checkpoint.HfCheckpoint;
import dev.hone.transformer.checkpoint.Llama2cCheckpoint;
import dev.hone.transformer.generation.GenerationConfig;
import dev.hone.transformer.generation.Generator;
import dev.hone.transformer.generation.Sampling;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.tokenizer.HfTokenizer;
import dev.hone.transformer.tokenizer.SentencePieceBpeTokenizer;
import dev.hone.transformer.tokenizer.StreamingDecoder;
import dev.hone.transformer.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code hone generate}: loads a llama2.c .bin checkpoint or a Hugging Face model folder, optionally with a PEFT
 * adapter on top (on the NF4-quantized base with {@code --load-in-4bit}, as a QLoRA adapter was trained), encodes
 * the prompt, raw or as a user turn of the chat template ({@code --chat}, as the trainer and {@code hone eval} render
 * conversations), and streams generated text to stdout token by token. Temperature 0 is greedy; otherwise
 * temperature, top-k and top-p sampling with a seed. {@code --llama2c-sampler} uses llama2.c's exact
 * sampler (and its stop rule: BOS ends generation), so its documented samples can be reproduced.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate text from a llama2.c .bin or a Hugging Face model folder.")
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "llama2.c .bin file or Hugging Face folder (config.json + safetensors)")
    Path model;

    @Option(names = "--tokenizer", description = "llama2.c tokenizer.bin or tokenizer.json (default: the folder's tokenizer.json)")
    Path tokenizerPath;

    @Mixin
    AdapterOptions adapterOptions;

    @Option(names = "--chat", description = "send the prompt as a user message in the chat template, followed by the assistant header")
    boolean chat;

    @Option(names = "--chat-template", description = "llama2, llama3, chatml or plain (default: chosen from the tokenizer, as in training)")
    String chatTemplate;

    @Option(names = "--prompt", defaultValue = "", description = "prompt text (default: empty, generation starts from BOS)")
    String prompt;

    @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy (default ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--top-p", defaultValue = "0.9", description = "nucleus sampling mass (default ${DEFAULT-VALUE})")
    double topP;

    @Option(names = "--top-k", defaultValue = "0", description = "keep the k most likely tokens, 0 = all (default ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--seed", defaultValue = "42", description = "sampling seed, not 0 (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--max-tokens", defaultValue = "256", description = "most tokens to generate (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--llama2c-sampler", description = "sample exactly as llama2.c run.c (temperature, top-p, seed)")
    boolean llama2cSampler;

    @Option(names = "--dtype", defaultValue = "F32", description = "F32 or BF16 (default ${DEFAULT-VALUE})")
    DType dtype;

    @Option(names = "--backend", defaultValue = "cpu", description = "backend name (default ${DEFAULT-VALUE})")
    String backendName;

    @Override
    public Integer call() {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Backend backend = Backends.open(backendName); Scope root = Scope.open(backend); LlamaModel llama = load()) {
            Tokenizer tokenizer = tokenizer();
            adapterOptions.applyTo(llama, System.err);
            int[] ids = promptIds(tokenizer);
            if (ids.length == 0) throw new IllegalArgumentException("generate: empty prompt and the tokenizer has no BOS token");
            Set<Integer> stops = new HashSet<>(llama.config().eosTokenIds());
            tokenizer.eosId().ifPresent(stops::add);
            if (llama2cSampler) stops.add(1);
            Sampling sampling = temperature == 0 ? new Sampling.Greedy()
                    : llama2cSampler ? new Sampling.Llama2c((float) temperature, (float) topP, seed)
                    : new Sampling.TopKTopP(temperature, topK, topP, seed);
            StreamingDecoder decoder = tokenizer.streamingDecoder();
            for (int id : ids) out.print(decoder.push(id));
            long start = System.nanoTime();
            int[] generated = new Generator(llama).generate(ids, new GenerationConfig(maxTokens, stops, sampling),
                    id -> out.print(decoder.push(id)));
            out.println(decoder.finish());
            double seconds = (System.nanoTime() - start) / 1e9;
            System.err.printf("%d tokens in %.2f s (%.1f tokens/s)%n", generated.length, seconds, generated.length / seconds);
        }
        return 0;
    }

    /** The prompt's tokens: as text with BOS, or with {@code --chat} as one user turn and the assistant header. */
    private int[] promptIds(Tokenizer tokenizer) {
        if (!chat && chatTemplate == null) return tokenizer.encode(prompt, tokenizer.bosId().isPresent());
        ChatTemplate template = chatTemplate != null ? ChatTemplates.named(chatTemplate) : ChatTemplates.forTokenizer(tokenizer);
        return template.render(tokenizer, List.of(Message.user(prompt)), GenerationPrompt.APPEND).ids();
    }

    private LlamaModel load() {
        return Files.isDirectory(model) ? HfCheckpoint.load(model, dtype, HfCheckpoint.Residence.MAPPED) : Llama2cCheckpoint.load(model, dtype);
    }

    private Tokenizer tokenizer() {
        Path path = tokenizerPath != null ? tokenizerPath : Files.isDirectory(model) ? model.resolve("tokenizer.json") : null;
        if (path == null) throw new IllegalArgumentException("generate: --tokenizer is required with a llama2.c .bin checkpoint");
        return path.getFileName().toString().endsWith(".json") ? HfTokenizer.load(path) : SentencePieceBpeTokenizer.fromLlama2cFile(path);
    }
}
