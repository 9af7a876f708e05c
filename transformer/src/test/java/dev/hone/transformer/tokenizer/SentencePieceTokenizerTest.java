package dev.hone.transformer.tokenizer;

import static dev.hone.transformer.tokenizer.TokenizerFixtures.cases;
import static dev.hone.transformer.tokenizer.TokenizerFixtures.stories;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * stories260K's 512-piece SentencePiece BPE through all three routes — llama2.c tokenizer.bin, the .model file, and
 * the tokenizer.json {@link TokenizerJsonWriter} converts it to — against the original {@code spm_encode}
 * (shared/reference/…/spm_tok512_reference_encodings.json, and spm_tok512_extra_encodings.json made by
 * make_spm_expectations.py), and decoding against llama2.c's own greedy output.
 */
class SentencePieceTokenizerTest {
    @TempDir
    Path temp;

    private static List<TokenizerFixtures.Case> allSpmCases() {
        List<TokenizerFixtures.Case> all = new ArrayList<>(cases(TokenizerFixtures.shared()
                .resolve("reference/stories260K/spm_tok512_reference_encodings.json")));
        all.addAll(cases(TokenizerFixtures.resource("spm_tok512_extra_encodings.json")));
        return all;
    }

    /** spm_encode drops leading/trailing spaces and collapses runs (remove_extra_whitespaces); run.c does not. */
    private static boolean spacesAlreadyNormal(String text) {
        return SentencePieceBpeTokenizer.collapseSpaces(text).equals(text);
    }

    @Test
    void modelFileEncodesAsSpmEncode() {
        Tokenizer spm = SentencePieceBpeTokenizer.fromSentencePieceModel(stories("tok512.model"));
        for (var c : allSpmCases()) assertThat(spm.encode(c.text(), false)).as(c.text()).containsExactly(c.ids());
    }

    @Test
    void llama2cFileEncodesAsSpmEncodeWhereRunCAndSentencePieceAgree() {
        Tokenizer runC = SentencePieceBpeTokenizer.fromLlama2cFile(stories("tok512.bin"));
        Tokenizer collapsing = new SentencePieceBpeTokenizer(
                Llama2cTokenizerFile.read(stories("tok512.bin"), ScoredVocabulary.Whitespace.COLLAPSE));
        int compared = 0;
        for (var c : allSpmCases()) {
            assertThat(collapsing.encode(c.text(), false)).as(c.text()).containsExactly(c.ids());
            if (spacesAlreadyNormal(c.text())) {
                assertThat(runC.encode(c.text(), false)).as(c.text()).containsExactly(c.ids());
                compared++;
            }
        }
        assertThat(compared).isGreaterThanOrEqualTo(15);
    }

    @Test
    void convertedTokenizerJsonEncodesAsSpmEncode() {
        TokenizerJsonWriter.write(SentencePieceModelFile.read(stories("tok512.model")), temp.resolve("from-model"));
        TokenizerJsonWriter.write(Llama2cTokenizerFile.read(stories("tok512.bin"), ScoredVocabulary.Whitespace.COLLAPSE),
                temp.resolve("from-bin"));
        for (String folder : List.of("from-model", "from-bin")) {
            HfTokenizer hf = HfTokenizer.load(temp.resolve(folder).resolve("tokenizer.json"));
            assertThat(hf.vocabSize()).isEqualTo(512);
            assertThat(hf.bosId()).hasValue(1);
            assertThat(hf.eosId()).hasValue(2);
            for (var c : allSpmCases()) {
                assertThat(hf.encode(c.text(), false)).as(folder + ": " + c.text()).containsExactly(c.ids());
                assertThat(hf.encode(c.text(), true)).as(folder + ": " + c.text()).startsWith(1).hasSize(c.ids().length + 1);
            }
        }
    }

    @Test
    void decodeInvertsEncodeOnEveryRoute() {
        TokenizerJsonWriter.write(SentencePieceModelFile.read(stories("tok512.model")), temp);
        List<Tokenizer> routes = List.of(SentencePieceBpeTokenizer.fromLlama2cFile(stories("tok512.bin")),
                SentencePieceBpeTokenizer.fromSentencePieceModel(stories("tok512.model")),
                HfTokenizer.load(temp.resolve("tokenizer.json")));
        for (Tokenizer tokenizer : routes) {
            for (var c : allSpmCases()) {
                if (!spacesAlreadyNormal(c.text())) continue;
                assertThat(tokenizer.decode(tokenizer.encode(c.text(), false))).isEqualTo(c.text());
                assertThat(tokenizer.decode(tokenizer.encode(c.text(), true))).isEqualTo(c.text());
                assertThat(tokenizer.decode(c.ids())).isEqualTo(c.text());
            }
        }
    }

    @Test
    void runCKeepsSpaceRunsSoTheyRoundTrip() {
        Tokenizer runC = SentencePieceBpeTokenizer.fromLlama2cFile(stories("tok512.bin"));
        for (String text : List.of("a  b   c", "  leading and trailing  ", " ", "ran   away.")) {
            assertThat(runC.decode(runC.encode(text, true))).isEqualTo(text);
        }
    }

    @Test
    void decodesLlama2cGreedyOutputByteForByte() throws Exception {
        Path reference = TokenizerFixtures.shared().resolve("reference/stories260K");
        int[] generated = TokenizerFixtures.ints(TokenizerFixtures.json(reference.resolve("DERIVED_greedy_tokens.json"))
                .get("greedy_next_ids"));
        int[] withBos = new int[generated.length + 1];
        withBos[0] = 1;
        System.arraycopy(generated, 0, withBos, 1, generated.length);
        String expected = java.nio.file.Files.readString(reference.resolve("expected_greedy_t0_n200.txt"));
        Tokenizer runC = SentencePieceBpeTokenizer.fromLlama2cFile(stories("tok512.bin"));
        assertThat(runC.decode(withBos).strip()).isEqualTo(expected.strip());
    }

    @Test
    void streamingDecoderWaitsForCompleteUtf8() {
        Tokenizer runC = SentencePieceBpeTokenizer.fromLlama2cFile(stories("tok512.bin"));
        int[] ids = runC.encode("x €!", true); // € is three byte-fallback tokens: <0xE2> <0x82> <0xAC>
        StreamingDecoder decoder = runC.streamingDecoder();
        List<String> pieces = new ArrayList<>();
        for (int id : ids) pieces.add(decoder.push(id));
        pieces.add(decoder.finish());
        assertThat(String.join("", pieces)).isEqualTo("x €!");
        assertThat(pieces).contains("€").doesNotContain("\uFFFD");
        for (var c : allSpmCases()) {
            StreamingDecoder d = runC.streamingDecoder();
            StringBuilder text = new StringBuilder();
            for (int id : c.ids()) text.append(d.push(id));
            assertThat(text.append(d.finish()).toString()).isEqualTo(runC.decode(c.ids()));
        }
    }

    @Test
    void loaderPicksTheFormatFromThePath() {
        TokenizerJsonWriter.write(SentencePieceModelFile.read(stories("tok512.model")), temp);
        assertThat(Tokenizers.load(stories("tok512.bin"))).isInstanceOf(SentencePieceBpeTokenizer.class);
        assertThat(Tokenizers.load(stories("tok512.model"))).isInstanceOf(SentencePieceBpeTokenizer.class);
        assertThat(Tokenizers.load(temp)).isInstanceOf(HfTokenizer.class);
        assertThat(TokenizerFixtures.json(temp.resolve("tokenizer_config.json")).get("eos_token").asText()).isEqualTo("</s>");
    }

    @Test
    void specialTokensAreLookedUpAndSkipped() {
        Tokenizer runC = SentencePieceBpeTokenizer.fromLlama2cFile(stories("tok512.bin"));
        assertThat(runC.vocabSize()).isEqualTo(512);
        assertThat(runC.specialTokenId("<s>")).hasValue(1);
        assertThat(runC.specialTokenId("</s>")).hasValue(2);
        assertThat(runC.specialTokenId("<|im_start|>")).isEmpty();
        assertThat(runC.tokenToId("<0x0A>")).hasValue(13);
        assertThat(runC.idToToken(403)).isEqualTo("\u2581Once");
        assertThat(runC.tokenToId("\u2581Once")).hasValue(403);
        assertThat(runC.decode(new int[] {1, 403, 2, 1, 403})).isEqualTo("OnceOnce");
    }
}
