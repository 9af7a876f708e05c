package dev.hone.transformer.tokenizer;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corrupt or unsupported tokenizer files fail with a {@link TokenizerFormatException} naming the file and field. */
class TokenizerFileErrorsTest {
    @TempDir
    Path temp;

    private Path write(String name, String text) throws IOException {
        return Files.writeString(temp.resolve(name), text);
    }

    private static final String VALID_MODEL = """
            "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}""";

    @Test
    void badJson() throws IOException {
        Path file = write("tokenizer.json", "{\"model\": ");
        assertThatThrownBy(() -> HfTokenizer.load(file)).isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("bad JSON");
    }

    @Test
    void unknownModelType() throws IOException {
        Path file = write("tokenizer.json", "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}");
        assertThatThrownBy(() -> HfTokenizer.load(file)).isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("model.type 'WordPiece'");
    }

    @Test
    void missingVocab() throws IOException {
        Path file = write("tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"merges\": []}}");
        assertThatThrownBy(() -> HfTokenizer.load(file)).isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("model.vocab");
    }

    @Test
    void mergeOfUnknownToken() throws IOException {
        Path file = write("tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"ab\": 1}, \"merges\": [[\"a\", \"b\"]]}}");
        assertThatThrownBy(() -> HfTokenizer.load(file)).isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("model.merges[0]").hasMessageContaining("'b'");
    }

    @Test
    void unsupportedPreTokenizer() throws IOException {
        Path file = write("tokenizer.json", "{\"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}, " + VALID_MODEL + "}");
        assertThatThrownBy(() -> HfTokenizer.load(file)).isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining("pre_tokenizer.type 'BertPreTokenizer'");
    }

    @Test
    void truncatedLlama2cFile() throws IOException {
        byte[] whole = Files.readAllBytes(TokenizerFixtures.stories("tok512.bin"));
        Path file = Files.write(temp.resolve("tok.bin"), Arrays.copyOf(whole, whole.length - 3));
        assertThatThrownBy(() -> Llama2cTokenizerFile.read(file, ScoredVocabulary.Whitespace.KEEP))
                .isInstanceOf(TokenizerFormatException.class).hasMessageContaining(file.toString()).hasMessageContaining("token 511");
    }

    @Test
    void corruptSentencePieceModel() throws IOException {
        byte[] whole = Files.readAllBytes(TokenizerFixtures.stories("tok512.model"));
        Path file = Files.write(temp.resolve("tok.model"), Arrays.copyOf(whole, 40));
        assertThatThrownBy(() -> SentencePieceModelFile.read(file))
                .isInstanceOf(TokenizerFormatException.class).hasMessageContaining(file.toString());
    }
}
