package dev.hone.transformer.train.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One entry of {@code datasets}: a data file, its record shape, and the names of the fields (JSONL keys or
 * CSV column names) to read, with Axolotl's {@code field_*} naming. Defaults are the names of the OpenAI/TRL
 * formats, so a standard file needs only {@code path}. A CSV file is read as a conversation from two columns: those
 * field_prompt/field_completion name, or the pair its header implies (prompt/completion, user/assistant, ...).
 *
 * @param path            the JSONL or CSV file
 * @param type            the record shape ({@link DatasetFormat#AUTO} by default)
 * @param fieldMessages   key of the message list of chat records ({@code messages})
 * @param fieldPrompt     key or column of the prompt ({@code prompt})
 * @param fieldCompletion key or column of the completion ({@code completion})
 * @param fieldText       key or column of plain text ({@code text})
 * @param fieldLabel      metadata key or column holding a class label for exact-match accuracy (e.g. {@code intent}); none by default
 */
public record DatasetSpec(Path path, DatasetFormat type, String fieldMessages, String fieldPrompt, String fieldCompletion,
                          String fieldText, Optional<String> fieldLabel) {

    public DatasetSpec {
        if (path == null || type == null || fieldMessages == null || fieldPrompt == null || fieldCompletion == null
                || fieldText == null || fieldLabel == null) {
            throw new IllegalArgumentException("DatasetSpec: no component may be null (path " + path + ")");
        }
    }

    /** A file with the standard field names and its format detected from the file. */
    public static DatasetSpec of(Path path) {
        return new DatasetSpec(path, DatasetFormat.AUTO, "messages", "prompt", "completion", "text", Optional.empty());
    }

    public DatasetSpec withType(DatasetFormat newType) {
        return new DatasetSpec(path, newType, fieldMessages, fieldPrompt, fieldCompletion, fieldText, fieldLabel);
    }

    public DatasetSpec withFieldLabel(String label) {
        return new DatasetSpec(path, type, fieldMessages, fieldPrompt, fieldCompletion, fieldText, Optional.of(label));
    }
}
