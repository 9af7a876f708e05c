package dev.hone.transformer.train.config;

/**
 * The record shape of one data file ({@code datasets[].type}). JSONL formats follow OpenAI and TRL:
 * {@code {"messages": [{"role", "content"}...]}}, {@code {"prompt", "completion"}}, {@code {"text"}};
 * CSV has named columns (see {@link DatasetSpec}). {@link #AUTO}, the default, decides from the file:
 * a {@code .csv} name means CSV, otherwise the keys of the first JSONL record.
 */
public enum DatasetFormat {
    AUTO,
    CHAT,
    PROMPT_COMPLETION,
    TEXT,
    CSV
}
