package dev.hone.transformer.tokenizer;

import static dev.hone.transformer.tokenizer.TokenizerFixtures.stories;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/**
 * The newer SentencePiece-style tokenizer.json layout (no normalizer; Metaspace pre-tokenizer with
 * {@code prepend_scheme: first}, {@code split: false}; ByteFallback, Fuse and Metaspace decoders, as transformers writes for Llama/Mistral
 * with {@code legacy=false}) must encode and decode like the legacy Prepend+Replace layout, checked on stories260K's
 * vocabulary against spm_encode's ids.
 */
class HfMetaspaceTest {

    @Test
    void metaspaceLayoutEncodesAsSpmEncode() {
        ObjectNode json = TokenizerJsonWriter.tokenizerJson(SentencePieceModelFile.read(stories("tok512.model")));
        json.putNull("normalizer");
        json.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", "\u2581")
                .put("prepend_scheme", "first").put("split", false);
        var decoders = json.putObject("decoder").put("type", "Sequence").putArray("decoders");
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        decoders.addObject().put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", "first");
        HfTokenizer metaspace = HfTokenizer.parse(json.toString(), null, "metaspace layout");
        int compared = 0;
        for (var c : TokenizerFixtures.cases(TokenizerFixtures.resource("spm_tok512_extra_encodings.json"))) {
            if (!SentencePieceBpeTokenizer.collapseSpaces(c.text()).equals(c.text())) continue;
            assertThat(metaspace.encode(c.text(), false)).as(c.text()).containsExactly(c.ids());
            assertThat(metaspace.decode(c.ids())).as(c.text()).isEqualTo(c.text());
            compared++;
        }
        assertThat(compared).isGreaterThanOrEqualTo(10);
    }
}
