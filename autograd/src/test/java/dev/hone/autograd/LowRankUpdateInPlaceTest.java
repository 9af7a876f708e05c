package dev.hone.autograd;

import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.RandomKind;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * LoRA's update written over a fresh base output (what LoraLinear does over a dense or quantized layer) gives the
 * values and gradients of the copying op, shares the base's buffer, and so leaves one [..., out] buffer fewer alive.
 */
class LowRankUpdateInPlaceTest {

    @Test
    void sameValuesAndGradientsAsTheCopyingUpdateWithOneBufferLess() {
        try (Backend backend = TestBackends.fastest(); Scope root = Scope.open(backend)) {
            Tensor x = random(1, 2, 5, 12), w = random(2, 9, 12), a = random(3, 4, 12), b = random(4, 9, 4), mix = random(5, 2, 5, 9);
            float[][] copying = run(x, w, a, b, mix, false), inPlace = run(x, w, a, b, mix, true);
            for (int i = 0; i < 4; i++) {                                                       // y, dx, dA, dB
                assertThat(inPlace[i]).hasSameSizeAs(copying[i]);
                for (int j = 0; j < copying[i].length; j++) assertThat(inPlace[i][j]).as("result %d [%d]", i, j).isCloseTo(copying[i][j], within(1e-6f));
            }
            assertThat(inPlace[4][0]).as("live buffers after forward").isEqualTo(copying[4][0] - 1);
        }
    }

    private static Tensor random(long seed, int... dims) { return Ops.random(RandomKind.UNIFORM, seed, -1, 1, DType.F32, dims); }

    /** {y, dx, dA, dB, {live buffers after the forward}} for y = (x·Wᵀ) + 0.5·(x·Aᵀ)·Bᵀ and loss = sum(y ⊙ mix). */
    private static float[][] run(Tensor x, Tensor w, Tensor a, Tensor b, Tensor mix, boolean inPlace) {
        Backend backend = x.backend();
        try (Scope step = Scope.open(); Tape tape = Tape.open()) {
            tape.watch(x);
            tape.watch(a);
            tape.watch(b);
            Tensor base = Diff.matmul(x, Diff.transpose(w, 0, 1));                           // [2, 5, 9], fresh
            Tensor y = inPlace ? Diff.lowRankUpdateInPlace(base, x, a, b, 0.5) : Diff.lowRankUpdate(base, x, a, b, 0.5);
            if (inPlace) assertThat(y.storage()).isSameAs(base.storage());
            float live = backend.memoryStats().liveBuffers();
            float[] values = y.toFloatArray();
            tape.backward(Diff.sum(Diff.mul(y, mix)));
            return new float[][] {values, tape.gradient(x).orElseThrow().toFloatArray(), tape.gradient(a).orElseThrow().toFloatArray(), tape.gradient(b).orElseThrow().toFloatArray(),
                    {live}};
        }
    }
}
