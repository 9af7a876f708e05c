package dev.hone.transformer.sft;

import dev.hone.lora.LoraConfig;
import dev.hone.quant.QuantSpec;
import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.transformer.train.config.AdapterKind;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The one-line description a run prints names the adapter variant (DoRA was printed as LoRA), the rank and the base. */
class AdaptedModelDescriptionTest {

    @Test
    void theDescriptionNamesTheVariantRankAndBase() {
        LoraConfig lora = LoraConfig.builder().r(4).loraAlpha(8).allLinear().build();
        LoraConfig dora = LoraConfig.builder().r(4).loraAlpha(8).allLinear().variant(LoraConfig.Variant.DORA).build();
        assertThat(describe(AdapterKind.LORA, lora)).isEqualTo("LoRA r=4 on 35 linear layers");
        assertThat(describe(AdapterKind.LORA, dora)).isEqualTo("DoRA r=4 on 35 linear layers");
        assertThat(describe(AdapterKind.QLORA, lora)).isEqualTo("QLoRA (NF4 base, LoRA r=4 on 35 linear layers)");
        assertThat(describe(AdapterKind.FULL, lora)).isEqualTo("full fine-tuning");
    }

    private static String describe(AdapterKind kind, LoraConfig config) {
        try (Backend backend = Backends.open("cpu"); Scope scope = Scope.open(backend)) {
            return AdaptedModel.prepare(SftFixtures.stories260K(), kind, config, Optional.empty(), QuantSpec.qlora(), 1).describe();
        }
    }
}
