package dev.hone.transformer.generation;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.checkpoint.Llama2cCheckpoint;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.tokenizer.SentencePieceBpeTokenizer;
import dev.hone.transformer.tokenizer.Tokenizer;
import dev.hone.transformer.tokenizer.TokenizerFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Generator#generateAll} against {@link Generator#generate} on each prompt, with stories260K: prompts of
 * different lengths decoded side by side in a left-padded cache give the same tokens as one at a time (greedy and
 * seeded top-p, stop tokens reached at different steps, batches smaller than the prompt count), so the padding
 * never leaks into a real sequence's attention or positions.
 */
class BatchedGenerationTest {
    private static final int BOS = 1;
    private static Backend backend;
    private static Scope scope;
    private static LlamaModel model;
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        backend = Backends.open("cpu");
        scope = Scope.open(backend);
        model = Llama2cCheckpoint.load(TokenizerFixtures.stories("stories260K.bin"), DType.F32);
        tokenizer = SentencePieceBpeTokenizer.fromLlama2cFile(TokenizerFixtures.stories("tok512.bin"));
    }

    @AfterAll
    static void close() {
        scope.close();
        backend.close();
    }

    private static List<int[]> prompts() {
        List<int[]> out = new ArrayList<>();
        for (String text : List.of("Once upon a time, there was a little dog named Max.", "Lily", "The sun was hot and the park was full of",
                "Tom and his mom went to the store to buy a big red ball")) {
            out.add(tokenizer.encode(text, true));
        }
        out.add(new int[] {BOS});
        return out;
    }

    private static void assertSameAsOneByOne(GenerationConfig config, int maxBatch) {
        Generator generator = new Generator(model);
        List<int[]> prompts = prompts();
        List<int[]> batched = generator.generateAll(prompts, config, maxBatch);
        assertThat(batched).hasSize(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            int[] alone = generator.generate(prompts.get(i), config, id -> { });
            assertThat(batched.get(i)).as("prompt %d: %s", i, tokenizer.decode(prompts.get(i))).containsExactly(alone);
        }
    }

    @Test
    void greedyBatchEqualsOneByOne() {
        assertSameAsOneByOne(GenerationConfig.greedy(40, Set.of(BOS)), 8);
    }

    @Test
    void stopTokensEndRowsAtDifferentStepsAndSmallBatchesSplitThePrompts() {
        int period = tokenizer.encode(".", false)[0];
        List<int[]> stopped = new Generator(model).generateAll(prompts(), GenerationConfig.greedy(60, Set.of(BOS, period)), 2);
        assertThat(stopped.stream().mapToInt(r -> r.length).distinct().count()).as("rows end at different steps").isGreaterThan(1);
        assertSameAsOneByOne(GenerationConfig.greedy(60, Set.of(BOS, period)), 2);
    }

    @Test
    void seededSamplingBatchEqualsOneByOne() {
        assertSameAsOneByOne(new GenerationConfig(30, Set.of(BOS), new Sampling.TopKTopP(1.0, 0, 0.9, 7)), 3);
    }

    @Test
    void promptsTooLongForABatchAreDecodedAloneAndEmptyPromptsAreRejected() {
        int context = model.config().maxPositionEmbeddings();
        assertSameAsOneByOne(GenerationConfig.greedy(context - 3, Set.of(BOS)), 5);
        assertThatThrownBy(() -> new Generator(model).generateAll(List.of(new int[0]), GenerationConfig.greedy(4, Set.of()), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("generateAll");
    }
}
