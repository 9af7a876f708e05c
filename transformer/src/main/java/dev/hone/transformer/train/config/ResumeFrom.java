package dev.hone.transformer.train.config;

import java.nio.file.Path;

/**
 * Where training resumes from ({@code resume_from_checkpoint}, as Hugging Face's Trainer): nowhere (a fresh
 * run; {@code false} or absent), the newest complete checkpoint in {@code output_dir/checkpoints}
 * ({@code true} or {@code latest}), or one checkpoint directory.
 */
public sealed interface ResumeFrom {

    record Fresh() implements ResumeFrom {
        @Override public String toString() { return "false"; }
    }

    record Latest() implements ResumeFrom {
        @Override public String toString() { return "latest"; }
    }

    record Directory(Path checkpoint) implements ResumeFrom {
        @Override public String toString() { return checkpoint.toString(); }
    }
}
