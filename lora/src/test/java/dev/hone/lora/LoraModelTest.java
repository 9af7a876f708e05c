package dev.hone.lora;

import dev.hone.autograd.Diff;
import dev.hone.autograd.Tape;
import dev.hone.autograd.nn.Linear;
import dev.hone.autograd.nn.Parameter;
import dev.hone.autograd.optim.AdamW;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.RandomKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Applying LoRA to a model by module name (PEFT's target_modules rules), freezing, the trainable
 * parameter line, rank/alpha patterns, several adapters on one base, merging and merged export, and a
 * short training run.
 */
class LoraModelTest {
    private Backend backend;
    private Scope scope;

    @BeforeEach
    void open() {
        backend = TestBackends.fastest();
        scope = Scope.open(backend);
    }

    @AfterEach
    void close() {
        scope.close();
        backend.close();
    }

    private static Tensor input() { return Ops.random(RandomKind.UNIFORM, 77, -1, 1, DType.F32, 4, TinyModel.DIM); }

    private static double maxAbsDiff(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray(), y = b.toDoubleArray();
        double worst = 0;
        for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
        return worst;
    }

    @Test
    void namesMatchWholeDottedSuffixesAndOnlyAdaptersTrain() {
        TinyModel model = new TinyModel(DType.F32, 2, 1);
        LoraModel lm = LoraModel.apply(model, LoraConfig.builder().r(2).loraAlpha(4).targetModules("q_proj", "self_attn.v_proj").build(), 5);
        assertThat(lm.targets("default")).containsExactly("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
                "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj");
        assertThat(model.namedParameters().keySet()).contains("model.layers.0.self_attn.q_proj.base_layer.weight",
                "model.layers.0.self_attn.q_proj.lora_A.default.weight", "model.layers.0.self_attn.q_proj.lora_B.default.weight");
        assertThat(model.namedParameters().entrySet().stream().filter(e -> e.getValue().trainable()).map(Map.Entry::getKey))
                .allMatch(k -> k.contains(".lora_A.default.") || k.contains(".lora_B.default.")).hasSize(8);
        // B = 0 at initialisation: the adapted model computes what the base did
        TinyModel fresh = new TinyModel(DType.F32, 2, 1);
        assertThat(maxAbsDiff(model.forward(input()), fresh.forward(input()))).isZero();
    }

    @Test
    void trainableParameterLineIsPeftsFormat() {
        TinyModel model = new TinyModel(DType.F32, 2, 1);
        LoraModel lm = LoraModel.apply(model, LoraConfig.builder().r(2).targetModules("q_proj", "v_proj").build(), 5);
        // 4 adapted [6 x 6] layers x (A 2x6 + B 6x2) = 96; base: 2 x (36 + 36 + 60 + 10 + 60) + lm_head 30 = 434; 96 / 530 = 18.11320..%
        assertThat(lm.trainableParametersLine()).isEqualTo("trainable params: 96 || all params: 530 || trainable%: 18.1132");
        // the line PEFT's README prints for bigscience/mt0-large with r=8 on q, v
        assertThat(LoraModel.trainableParametersLine(2_359_296, 1_231_940_608))
                .isEqualTo("trainable params: 2,359,296 || all params: 1,231,940,608 || trainable%: 0.1915");
    }

    @Test
    void regexIsAFullMatchAndAllLinearLeavesOutTheHead() {
        LoraModel regex = LoraModel.apply(new TinyModel(DType.F32, 2, 1),
                LoraConfig.builder().targetModules(new TargetModules.Regex("model\\.layers\\.1\\..*_proj")).build(), 5);
        assertThat(regex.targets("default")).containsExactly("model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj",
                "model.layers.1.mlp.up_proj", "model.layers.1.mlp.down_proj");
        assertThatThrownBy(() -> LoraModel.apply(new TinyModel(DType.F32, 2, 1),
                LoraConfig.builder().targetModules(new TargetModules.Regex("layers\\.1\\..*_proj")).build(), 5))
                .hasMessageContaining("matched no linear layer");
        LoraModel all = LoraModel.apply(new TinyModel(DType.F32, 1, 1), LoraConfig.builder().allLinear().build(), 5);
        assertThat(all.targets("default")).hasSize(4).noneMatch(p -> p.contains("lm_head"));
    }

    @Test
    void targetNamesThatMatchNothingAreListed() {
        assertThatThrownBy(() -> LoraModel.apply(new TinyModel(DType.F32, 1, 1),
                LoraConfig.builder().targetModules("q_proj", "o_proj", "proj").build(), 5))
                .hasMessageContaining("[o_proj, proj] matched no linear layer").hasMessageContaining("model.layers.0.self_attn.q_proj");
    }

    @Test
    void patternsSetRankAndAlphaPerModuleAndBiasAndModulesToSaveTrain() {
        TinyModel model = new TinyModel(DType.F32, 2, 1);
        LoraConfig config = LoraConfig.builder().r(2).loraAlpha(4).targetModules("q_proj", "up_proj")
                .rankPattern(Map.of("up_proj", 3)).alphaPattern(Map.of("layers.1.self_attn.q_proj", 16.0))
                .bias(LoraConfig.Bias.ALL).modulesToSave(List.of("lm_head")).scaling(LoraConfig.Scaling.RANK_STABILIZED).build();
        LoraModel lm = LoraModel.apply(model, config, 5);
        Map<String, LoraLinear> layers = lm.layers();
        assertThat(layers.get("model.layers.0.mlp.up_proj").loraA("default").value().shape().dims()).containsExactly(3, 6);
        assertThat(layers.get("model.layers.0.self_attn.q_proj").settings("default").scale()).isEqualTo(4 / Math.sqrt(2));
        assertThat(layers.get("model.layers.1.self_attn.q_proj").settings("default").scale()).isEqualTo(16 / Math.sqrt(2));
        Map<String, Parameter> params = model.namedParameters();
        assertThat(params.get("model.layers.0.mlp.up_proj.base_layer.bias").trainable()).isTrue();
        assertThat(params.get("model.layers.0.mlp.up_proj.base_layer.weight").trainable()).isFalse();
        assertThat(params.get("lm_head.weight").trainable()).isTrue();
    }

    @Test
    void adaptersSwitchAndDisableWithoutTouchingTheBase() {
        TinyModel model = new TinyModel(DType.F32, 1, 1);
        Tensor x = input();
        Tensor base = model.forward(x);
        LoraModel lm = LoraModel.apply(model, LoraConfig.builder().targetModules("q_proj").initLoraWeights(LoraConfig.Init.LINEAR_DEFAULT).build(), 5);
        lm.addAdapter("other", LoraConfig.builder().r(4).targetModules("up_proj", "q_proj").initLoraWeights(LoraConfig.Init.LINEAR_DEFAULT).build(), 9);
        Tensor first = model.forward(x);
        lm.activate("other");
        Tensor second = model.forward(x);
        assertThat(maxAbsDiff(first, base)).isGreaterThan(1e-3);
        assertThat(maxAbsDiff(second, first)).isGreaterThan(1e-3);
        assertThat(lm.layers().get("model.layers.0.self_attn.q_proj").loraA("default").trainable()).as("inactive adapter frozen").isFalse();
        assertThat(lm.layers().get("model.layers.0.self_attn.q_proj").loraA("other").trainable()).isTrue();
        assertThat(maxAbsDiff(lm.withAdapter("default", () -> model.forward(x)), first)).isZero();
        assertThat(maxAbsDiff(lm.withAdapter(null, () -> model.forward(x)), base)).isZero();
        assertThat(maxAbsDiff(model.forward(x), second)).as("selection restored").isZero();
        lm.disableAdapters();
        assertThat(maxAbsDiff(model.forward(x), base)).isZero();
        assertThat(model.trainableParameters()).isEmpty();
        lm.enableAdapters();
        assertThat(maxAbsDiff(model.forward(x), second)).isZero();
    }

    @Test
    void mergedExportHasTheBaseNamesAndComputesTheAdaptedModel() {
        TinyModel model = new TinyModel(DType.F32, 2, 1);
        Tensor x = input();
        LoraModel lm = LoraModel.apply(model, LoraConfig.builder().allLinear().variant(LoraConfig.Variant.DORA)
                .initLoraWeights(LoraConfig.Init.LINEAR_DEFAULT).build(), 5);
        Tensor adapted = model.forward(x);
        Map<String, Tensor> merged = lm.mergedStateDict();
        TinyModel plain = new TinyModel(DType.F32, 2, 2);
        assertThat(merged.keySet()).isEqualTo(plain.stateDict().keySet());
        plain.loadStateDict(merged);
        assertThat(maxAbsDiff(plain.forward(x), adapted)).isLessThan(1e-5);
        lm.merge();
        assertThat(maxAbsDiff(model.forward(x), adapted)).isLessThan(1e-5);
        lm.unmerge();
        assertThat(maxAbsDiff(model.forward(x), adapted)).isLessThan(1e-5);
    }

    @Test
    void trainingOnlyTheAdapterLowersTheLossAndLeavesTheBaseAlone() {
        TinyModel model = new TinyModel(DType.F32, 2, 1);
        float[] baseBefore = ((Linear) model.module("model.layers.0.self_attn.q_proj")).weight().value().toFloatArray();
        LoraModel lm = LoraModel.apply(model, LoraConfig.builder().r(4).loraAlpha(8).loraDropout(0.1).allLinear().build(), 5);
        Tensor x = Ops.random(RandomKind.UNIFORM, 3, -1, 1, DType.F32, 16, TinyModel.DIM);
        Tensor target = Ops.random(RandomKind.UNIFORM, 4, -1, 1, DType.F32, 16, TinyModel.VOCAB);
        AdamW opt = new AdamW(model.namedParameters(), AdamW.Config.DEFAULTS.withWeightDecay(0));
        double first = 0, last = 0;
        for (int step = 0; step < 150; step++) {
            lm.setStep(step);
            try (Scope s = Scope.open(); Tape tape = Tape.open()) {
                Tensor loss = Diff.mean(Diff.square(Diff.sub(model.forward(x), target)));
                tape.backward(loss);
                opt.step(1e-2);
                model.zeroGrad();
                if (step == 0) first = loss.item();
                last = loss.item();
            }
        }
        assertThat(last).isLessThan(first * 0.7);
        var wrappedBase = (Linear) lm.layers().get("model.layers.0.self_attn.q_proj").base();
        assertThat(wrappedBase.weight().value().toFloatArray()).containsExactly(baseBefore);
        assertThat(wrappedBase.weight().grad()).isNull();
    }
}
