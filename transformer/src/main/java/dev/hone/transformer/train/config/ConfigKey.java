package dev.hone.transformer.train.config;

import java.util.Arrays;
import java.util.List;

/**
 * Every key a training config may contain, named as Axolotl and TRL users know them, with its meaning and
 * default: the single list behind unknown-key detection ("did you mean ...?"), {@code hone finetune --help}
 * and the documentation. Keys of a {@code datasets} entry have {@link Level#DATASET_ENTRY}.
 */
public enum ConfigKey {
    BASE_MODEL("base_model", "Directory of the base model (Hugging Face layout: config.json, *.safetensors, tokenizer files) or a llama2.c .bin checkpoint. Required."),
    TOKENIZER("tokenizer", "Directory or tokenizer.json to use instead of the base model's tokenizer. Default: the base model's."),
    DATASETS("datasets", "Training data: a list of entries {path, type, field_*}, or a list of paths, or one path. Required."),
    VAL_SET_SIZE("val_set_size", "Validation split taken from the training data: a fraction in [0, 1) or a count >= 1; seeded by `seed`. Default 0.1; ignored when val_file is set."),
    VAL_FILE("val_file", "A separate validation file (same formats as datasets). Default: none (split by val_set_size)."),
    OUTPUT_DIR("output_dir", "Where the adapter, checkpoints, metrics, plot and summary go. Default ./model-out (Axolotl)."),
    ADAPTER("adapter", "lora, qlora (LoRA over 4-bit base weights) or none/full (train every weight). Default none (Axolotl)."),
    LORA_R("lora_r", "LoRA rank r > 0. Default 8 (PEFT)."),
    LORA_ALPHA("lora_alpha", "LoRA scaling numerator: the update is scaled by alpha/r (alpha/sqrt(r) with use_rslora). Default 8 (PEFT)."),
    LORA_DROPOUT("lora_dropout", "Dropout on the LoRA input, in [0, 1). Default 0.0 (PEFT)."),
    LORA_TARGET_MODULES("lora_target_modules", "Linear layers that get adapters: a list of module names (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj) or \"all-linear\". Default [q_proj, v_proj] (PEFT's Llama default)."),
    USE_RSLORA("use_rslora", "Rank-stabilised LoRA (Kalajdzievski 2023): scale alpha/sqrt(r) instead of alpha/r. Default false."),
    LORA_MODULES_TO_SAVE("lora_modules_to_save", "Modules trained in full besides the adapters and saved with them (PEFT's modules_to_save), e.g. [embed_tokens, lm_head]. Default none."),
    USE_DORA("use_dora", "Weight-decomposed LoRA (Liu et al. 2024). Default false."),
    LORA_MODEL_DIR("lora_model_dir", "A PEFT adapter folder (adapter_config.json + adapter_model.safetensors) to go on training instead of a fresh adapter, as Axolotl's key: its adapter_config.json sets r, alpha and the target modules. Needs adapter lora or qlora (qlora for an adapter trained on a 4-bit base). Default none."),
    LOAD_IN_4BIT("load_in_4bit", "Quantize the frozen base weights to 4 bits; required by and implied by adapter: qlora. Default false."),
    BNB_4BIT_QUANT_TYPE("bnb_4bit_quant_type", "4-bit code book: nf4 or fp4. Default nf4 (Axolotl)."),
    BNB_4BIT_USE_DOUBLE_QUANT("bnb_4bit_use_double_quant", "Quantize the absmax scales too (QLoRA double quantization). Default true (Axolotl)."),
    LEARNING_RATE("learning_rate", "Peak learning rate, > 0. Default 2e-5 (TRL SFTConfig); LoRA usually wants 1e-4 to 3e-4."),
    LR_SCHEDULER("lr_scheduler", "cosine, linear or constant decay after warm-up. Default cosine (Axolotl)."),
    WARMUP_RATIO("warmup_ratio", "Warm-up length as a fraction of all optimizer steps, in [0, 1). Default 0.0."),
    WARMUP_STEPS("warmup_steps", "Warm-up length in optimizer steps; excludes warmup_ratio. Default: from warmup_ratio."),
    NUM_EPOCHS("num_epochs", "Passes over the training data, > 0 (fractions allowed). Default 1 (Axolotl)."),
    MAX_STEPS("max_steps", "Stop after this many optimizer steps, overriding num_epochs. Default: from num_epochs."),
    MICRO_BATCH_SIZE("micro_batch_size", "Sequences per forward/backward pass. Default 1 (Axolotl)."),
    GRADIENT_ACCUMULATION_STEPS("gradient_accumulation_steps", "Micro-batches per optimizer step. Default 1."),
    SEQUENCE_LEN("sequence_len", "Maximum tokens per sequence (and per packed row). Default 512 (Axolotl)."),
    SAMPLE_PACKING("sample_packing", "Pack several examples into one row, with position ids restarting and attention blocked across examples. Default false."),
    TRAIN_ON_INPUTS("train_on_inputs", "Compute the loss on prompt tokens too, not only on assistant turns. Default false."),
    EXCESS_LENGTH_STRATEGY("excess_length_strategy", "Examples longer than sequence_len: truncate or drop (both counted). Default truncate."),
    DATASET_EXACT_DEDUPLICATION("dataset_exact_deduplication", "Remove exact duplicate examples. Default true (Hone; Axolotl's is false)."),
    MAX_GRAD_NORM("max_grad_norm", "Clip the global gradient L2 norm to this value; 0 turns clipping off. Default 1.0."),
    WEIGHT_DECAY("weight_decay", "AdamW decoupled weight decay, >= 0. Default 0.0."),
    ADAM_BETA1("adam_beta1", "AdamW beta1 in [0, 1). Default 0.9."),
    ADAM_BETA2("adam_beta2", "AdamW beta2 in [0, 1). Default 0.999."),
    ADAM_EPSILON("adam_epsilon", "AdamW epsilon, > 0. Default 1e-8."),
    SEED("seed", "Seed of the data split, shuffling, initialisation and dropout. Default 42."),
    EVAL_STEPS("eval_steps", "Evaluate every this many optimizer steps; 0 evaluates at the end of each epoch only. Always evaluated at the end. Default 0."),
    SAVE_STEPS("save_steps", "Checkpoint every this many optimizer steps; 0 only at the end. Always saved at the end. Default 500."),
    SAVE_TOTAL_LIMIT("save_total_limit", "Keep at most this many recent checkpoints (the best by eval loss is kept besides). Default: keep all."),
    LOGGING_STEPS("logging_steps", "Log training metrics every this many optimizer steps. Default 10 (TRL)."),
    EARLY_STOPPING_PATIENCE("early_stopping_patience", "Stop after this many evaluations without improvement of the eval loss. Default: off."),
    EARLY_STOPPING_THRESHOLD("early_stopping_threshold", "Minimum eval-loss decrease that counts as an improvement, >= 0. Default 0.0."),
    GRADIENT_CHECKPOINTING("gradient_checkpointing", "Recompute each decoder layer in the backward pass to save activation memory. Default false."),
    BF16("bf16", "Keep frozen weights and activations in bfloat16 (trainable state stays float32). Default false."),
    ON_BAD_LINE("on_bad_line", "A malformed data line: skip (warn with file:line and go on) or stop. Default stop."),
    OVERWRITE_OUTPUT_DIR("overwrite_output_dir", "Start a fresh run in an output_dir that holds an earlier run's checkpoints, deleting them (transformers' name). Default false: such a run is refused before anything is touched; resume the earlier run with resume_from_checkpoint instead."),
    RESUME_FROM_CHECKPOINT("resume_from_checkpoint", "Continue a run: true/latest for the newest complete checkpoint in output_dir, or a checkpoint directory. Default false."),

    DATASET_PATH("path", Level.DATASET_ENTRY, "The data file (JSONL or CSV). Required."),
    DATASET_TYPE("type", Level.DATASET_ENTRY, "chat, prompt_completion, text, csv or auto (from the file name and first record). Default auto."),
    DATASET_FIELD_MESSAGES("field_messages", Level.DATASET_ENTRY, "Key of the message list in JSONL chat records (each message keeps role and content). Default messages."),
    DATASET_FIELD_PROMPT("field_prompt", Level.DATASET_ENTRY, "Key or CSV column of the prompt. Default prompt."),
    DATASET_FIELD_COMPLETION("field_completion", Level.DATASET_ENTRY, "Key or CSV column of the completion. Default completion."),
    DATASET_FIELD_TEXT("field_text", Level.DATASET_ENTRY, "Key of plain text in JSONL text records (CSV files are read as prompt/completion columns). Default text."),
    DATASET_FIELD_LABEL("field_label", Level.DATASET_ENTRY, "Metadata key or CSV column holding a class label, for exact-match accuracy. Default none.");

    /** Where a key may appear. */
    public enum Level { TOP_LEVEL, DATASET_ENTRY }

    private final String key;
    private final Level level;
    private final String description;

    ConfigKey(String key, String description) { this(key, Level.TOP_LEVEL, description); }

    ConfigKey(String key, Level level, String description) {
        this.key = key;
        this.level = level;
        this.description = description;
    }

    /** The key as written in YAML/JSON and (with {@code --}) on the command line. */
    public String key() { return key; }

    public Level level() { return level; }

    public String description() { return description; }

    /** The keys of one level, in declaration order. */
    public static List<ConfigKey> at(Level level) {
        return Arrays.stream(values()).filter(k -> k.level == level).toList();
    }

    @Override public String toString() { return key; }
}
