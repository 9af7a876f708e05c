package dev.hone.transformer.train.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The known key an unknown one most likely meant: first the Hugging Face TrainingArguments / PEFT / TRL
 * names of the same setting (a user coming from those writes {@code num_train_epochs}, not {@code num_epochs}),
 * then the closest known key by optimal-string-alignment edit distance (Levenshtein plus adjacent
 * transpositions), compared case-insensitively with {@code -} read as {@code _}, within max(2, length / 3) edits.
 */
public final class KeySuggestions {
    private KeySuggestions() { }

    private static final Map<String, String> SYNONYMS = Map.ofEntries(
            Map.entry("model_name_or_path", "base_model"),
            Map.entry("model", "base_model"),
            Map.entry("tokenizer_config", "tokenizer"),
            Map.entry("dataset", "datasets"),
            Map.entry("num_train_epochs", "num_epochs"),
            Map.entry("epochs", "num_epochs"),
            Map.entry("lr", "learning_rate"),
            Map.entry("lr_scheduler_type", "lr_scheduler"),
            Map.entry("per_device_train_batch_size", "micro_batch_size"),
            Map.entry("batch_size", "micro_batch_size"),
            Map.entry("max_seq_length", "sequence_len"),
            Map.entry("max_length", "sequence_len"),
            Map.entry("seq_len", "sequence_len"),
            Map.entry("packing", "sample_packing"),
            Map.entry("r", "lora_r"),
            Map.entry("lora_rank", "lora_r"),
            Map.entry("target_modules", "lora_target_modules"),
            Map.entry("lora_target_linear", "lora_target_modules"),
            Map.entry("adam_eps", "adam_epsilon"),
            Map.entry("clip_grad_norm", "max_grad_norm"),
            Map.entry("save_limit", "save_total_limit"),
            Map.entry("resume", "resume_from_checkpoint"),
            Map.entry("validation_file", "val_file"),
            Map.entry("eval_file", "val_file"),
            Map.entry("completion_only_loss", "train_on_inputs"),
            Map.entry("assistant_only_loss", "train_on_inputs"),
            Map.entry("dataset_text_field", "field_text"));

    /** The suggestion for {@code unknown} among {@code known}, if one is close enough. */
    public static Optional<String> nearest(String unknown, Collection<String> known) {
        String norm = normalise(unknown);
        String synonym = SYNONYMS.get(norm);
        if (synonym != null && known.contains(synonym)) return Optional.of(synonym);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(norm, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return bestDistance <= Math.max(2, norm.length() / 3) ? Optional.ofNullable(best) : Optional.empty();
    }

    /** "unknown key 'x' (did you mean 'y'?)" or "unknown key 'x'". */
    public static String describeUnknown(String unknown, Collection<String> known) {
        return nearest(unknown, known).map(s -> "unknown key '" + unknown + "' (did you mean '" + s + "'?)")
                .orElse("unknown key '" + unknown + "'");
    }

    static String normalise(String key) { return key.strip().toLowerCase(Locale.ROOT).replace('-', '_'); }

    /** Optimal string alignment distance. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }
}
