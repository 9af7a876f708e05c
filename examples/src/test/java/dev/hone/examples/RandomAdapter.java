package dev.hone.examples;

import dev.hone.lora.LoraConfig;
import dev.hone.lora.LoraModel;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.spi.RandomKind;
import dev.hone.transformer.checkpoint.Llama2cCheckpoint;
import dev.hone.transformer.model.LlamaModel;

import java.nio.file.Path;

/** A LoRA adapter (r=4, alpha 8, all linears) with random B, so it changes the model, for the command tests. */
final class RandomAdapter {
    private RandomAdapter() { }

    /** Loads the llama2.c base in the current scope, applies the adapter, saves it to {@code dir}; returns the adapted model. */
    static LlamaModel saveFor(Path base, Path dir) {
        LlamaModel model = Llama2cCheckpoint.load(base, DType.F32);
        LoraModel lora = LoraModel.apply(model, LoraConfig.builder().r(4).loraAlpha(8).allLinear().build(), 5);
        lora.layers().values().forEach(l -> Ops.copyInto(
                Ops.random(RandomKind.NORMAL, 11, 0, 0.05, DType.F32, l.loraB("default").value().shape().dims()), l.loraB("default").value()));
        lora.saveAdapter("default", dir);
        return model;
    }
}
