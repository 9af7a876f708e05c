package dev.hone.transformer.qlora;

import dev.hone.autograd.CrossEntropyFn;
import dev.hone.autograd.Tape;
import dev.hone.autograd.nn.Linear;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.memory.DecoderShape;
import dev.hone.quant.memory.MemoryEstimator;
import dev.hone.quant.nn.ModelQuantizer;
import dev.hone.quant.nn.QuantizationReport;
import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.checkpoint.Llama2cCheckpoint;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.model.TokenBatch;
import dev.hone.transformer.quantized.QuantizedLlama;
import dev.hone.transformer.quantized.WeightMemory;
import dev.hone.transformer.tokenizer.SentencePieceBpeTokenizer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

/**
 * stories260K in NF4 (QLoRA recipe: blocks of 64, double-quantized absmax; the 35 projections quantized,
 * the tied embedding and the norms dense) against F32 on its own domain, perplexity over a fixed slice of
 * TinyStories validation text (the first {@value #CHARS} characters, {@value #ROWS} windows of
 * {@value #WINDOW} predicted tokens).
 *
 * <p>Both perplexities are checked against an independent numpy computation
 * (src/test/resources/qlora/nf4_perplexity_numpy.py: llama2.c's tokenizer and forward pass written in numpy,
 * and the numpy reference of bitsandbytes' NF4 and double quantization from the quant module), which gives
 * F32 3.974863 and NF4 4.461657 (+12.25%; blocks of 32: +9.0%, FP4: +23% measured here earlier). The
 * issue's 3% target is not met on this model and cannot be with bitsandbytes-exact NF4: an implementation
 * sharing no code with Hone loses the same 12.25%, and a model whose linears hold the dequantized NF4
 * weights as dense F32 gives the same perplexity as the fused 4-bit path (checked below), so the gap is
 * the format's rounding on a 64-wide model (every weight row is a single block), not the kernel. The
 * quantized weights take at most 0.135x their F32 bytes (code books counted once), checked against
 * {@link MemoryEstimator}'s closed-form bitsandbytes sizes.
 */
class Stories260KNf4PerplexityTest {
    private static final int CHARS = 40_000, ROWS = 16, WINDOW = 512;
    /** Relative tolerance against the numpy reference (float32 here, float64 there). */
    private static final double REFERENCE_TOLERANCE = 1e-4;

    /** model label -> perplexity, from nf4_perplexity_numpy.tsv (written by the numpy script beside it). */
    private static java.util.Map<String, Double> numpyPerplexities() throws IOException {
        try (var in = Stories260KNf4PerplexityTest.class.getResourceAsStream("/qlora/nf4_perplexity_numpy.tsv")) {
            assertThat(in).as("qlora/nf4_perplexity_numpy.tsv on the test classpath").isNotNull();
            java.util.Map<String, Double> out = new java.util.HashMap<>();
            new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().skip(1).forEach(line -> {
                String[] f = line.split("\t");
                out.put(f[0], Double.parseDouble(f[1]));
            });
            return out;
        }
    }

    /** ROWS windows of WINDOW + 1 consecutive tokens: ids [ROWS, WINDOW] and next-token targets. */
    private static Tensor[] windows() throws IOException {
        var tokenizer = SentencePieceBpeTokenizer.fromLlama2cFile(SharedFiles.tok512());
        String text = Files.readString(SharedFiles.tinyStoriesValidation(), StandardCharsets.UTF_8).substring(0, CHARS);
        int[] tokens = tokenizer.encode(text, true);
        assertThat(tokens.length).as("tokens in the slice").isGreaterThan(ROWS * WINDOW + 1);
        int[] ids = new int[ROWS * WINDOW], targets = new int[ROWS * WINDOW];
        for (int r = 0; r < ROWS; r++) {
            System.arraycopy(tokens, r * WINDOW, ids, r * WINDOW, WINDOW);
            System.arraycopy(tokens, r * WINDOW + 1, targets, r * WINDOW, WINDOW);
        }
        return new Tensor[] {Tensor.ofInts(ids, ROWS, WINDOW), Tensor.ofInts(targets, ROWS, WINDOW)};
    }

    private static double perplexity(LlamaModel model, Tensor[] windows) {
        try (Scope scope = Scope.open()) {
            double loss = Tape.withoutRecording(() -> model.loss(TokenBatch.of(windows[0]), windows[1], CrossEntropyFn.Reduction.MEAN).item());
            return Math.exp(loss);
        }
    }

    /** A fresh F32 model whose 35 projections are dense Linear layers holding the model's dequantized NF4 weights. */
    private static LlamaModel denseDequantized(LlamaModel quantized) {
        LlamaModel dense = Llama2cCheckpoint.load(SharedFiles.stories260K(), DType.F32);
        ModelQuantizer.quantizedWeights(quantized).forEach((name, q) -> {
            String path = name.substring(0, name.length() - ".weight".length());
            dense.replace(path, new Linear(q.dequantizeTensor(), null));
        });
        return dense;
    }

    @Test
    void nf4PerplexityStaysNearF32AtAnEighthOfTheWeightBytes() throws IOException {
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            Tensor[] windows = windows();
            LlamaModel model = Llama2cCheckpoint.load(SharedFiles.stories260K(), DType.F32);
            WeightMemory f32Memory = WeightMemory.of(model);
            double f32 = perplexity(model, windows);

            QuantizationReport report = QuantizedLlama.quantize(model, QuantSpec.qlora());
            WeightMemory nf4Memory = WeightMemory.of(model);
            double nf4 = perplexity(model, windows);

            System.out.printf("stories260K perplexity on %d TinyStories validation tokens: F32 %.6f, NF4 %.6f (%+.2f%%)%n",
                    ROWS * WINDOW, f32, nf4, 100 * (nf4 / f32 - 1));
            System.out.println(nf4Memory.summary());
            assertThat(report.quantized()).hasSize(35);
            var numpy = numpyPerplexities();
            assertThat(f32).as("F32 perplexity vs the numpy reference").isCloseTo(numpy.get("f32"),
                    withinPercentage(100 * REFERENCE_TOLERANCE));
            assertThat(nf4).as("NF4 perplexity vs the numpy reference").isCloseTo(numpy.get("nf4_b64_double_quant"),
                    withinPercentage(100 * REFERENCE_TOLERANCE));
            assertThat(nf4).as("the fused 4-bit path agrees with the dense dequantized model")
                    .isCloseTo(perplexity(denseDequantized(model), windows), withinPercentage(0.01));

            assertThat(nf4Memory.quantizedParameters()).isEqualTo(226_560);
            assertThat(nf4Memory.quantizedRatio()).isLessThanOrEqualTo(0.135);
            long closedForm = MemoryEstimator.codeBookBytes(QuantSpec.qlora());
            for (DecoderShape.Projection p : DecoderShape.stories260K().projections()) {
                closedForm += 5 * MemoryEstimator.quantizedBytes(p.out(), p.in(), QuantSpec.qlora());
            }
            assertThat(nf4Memory.quantizedBytes()).isEqualTo(closedForm);
            assertThat(nf4Memory.denseBytes()).as("embeddings and norms stay F32").isEqualTo(4L * (512 * 64 + 11 * 64));
            assertThat(f32Memory.modelBytes()).isEqualTo(4L * (226_560 + 512 * 64 + 11 * 64));
            assertThat(nf4Memory.modelRatio()).isLessThan(0.25);
        }
    }
}
