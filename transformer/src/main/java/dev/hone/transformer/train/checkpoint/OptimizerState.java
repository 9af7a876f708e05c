package dev.hone.transformer.train.checkpoint;

import dev.hone.autograd.optim.AdamW;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.io.SafetensorsFile;
import dev.hone.tensor.io.SafetensorsWriter;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW's state for a checkpoint: the moments keyed {@code <param path>.exp_avg} / {@code .exp_avg_sq} (as
 * {@link AdamW#state()}) and the step count, stored as {@code optimizer.safetensors} with the step and the
 * hyper-parameters in the file's metadata ({@code hone.format = adamw-v1}).
 */
public record OptimizerState(Map<String, Tensor> moments, long stepCount, AdamW.Config config) {
    public static final String FORMAT = "adamw-v1";

    public OptimizerState { moments = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(moments)); }

    /** The live moments of {@code optimizer} (not copied: write them before the next step). */
    public static OptimizerState of(AdamW optimizer) {
        return new OptimizerState(optimizer.state(), optimizer.stepCount(), optimizer.config());
    }

    /** Writes {@code file} (atomically, through SafetensorsWriter). */
    public void writeTo(Path file) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("hone.format", FORMAT);
        meta.put("step", Long.toString(stepCount));
        meta.put("beta1", Double.toString(config.beta1()));
        meta.put("beta2", Double.toString(config.beta2()));
        meta.put("eps", Double.toString(config.eps()));
        meta.put("weight_decay", Double.toString(config.weightDecay()));
        SafetensorsWriter.write(file, moments, meta);
    }

    /**
     * Loads {@code file} into {@code optimizer} (moments and step count). The optimizer must have the same
     * trainable parameters; a missing or mis-shaped moment is an error naming it and the file.
     */
    public static long restoreInto(Path file, AdamW optimizer) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            String format = f.metadata().get("hone.format");
            String step = f.metadata().get("step");
            if (!FORMAT.equals(format) || step == null) {
                throw new IllegalArgumentException("OptimizerState.restoreInto: " + file + " is not a Hone AdamW state (hone.format "
                        + format + ", step " + step + ")");
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String name : f.names()) tensors.put(name, f.tensor(name));
            long steps = Long.parseLong(step);
            try {
                optimizer.loadState(tensors, steps);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("OptimizerState.restoreInto: " + file + ": " + e.getMessage()
                        + " (was the checkpoint written for other trainable parameters, e.g. another lora_r or lora_target_modules?)", e);
            }
            return steps;
        }
    }
}
