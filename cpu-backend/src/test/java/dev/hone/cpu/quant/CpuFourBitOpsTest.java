package dev.hone.cpu.quant;

import dev.hone.cpu.CpuBackend;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.FourBitOps;
import dev.hone.tensor.spi.RandomKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link CpuBackend#fourBit()} (the SPI face of the fused kernels) against dequantize-then-{@link Ops#matmul}
 * on the same backend: the dense weight is decoded here element by element from the packed tensors
 * (table[nibble] * absmax[block], even element in the high nibble), so both sides see the same float32
 * weight and differ only by summation order.
 */
class CpuFourBitOpsTest {
    private static CpuBackend cpu;

    @BeforeAll
    static void open() { cpu = new CpuBackend(2); }

    @AfterAll
    static void close() { cpu.close(); }

    private record Parts(FourBitOps.PackedWeight weight, Tensor dense) { }

    /** Random codes and absmax for W [n, k], and the dense F32 weight they decode to. */
    private static Parts randomWeight(int n, int k, int blocksize, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int numel = n * k;
        double[] codes = new double[numel / 2];
        for (int i = 0; i < codes.length; i++) codes[i] = rng.nextInt(256);
        float[] absmax = new float[numel / blocksize];
        for (int i = 0; i < absmax.length; i++) absmax[i] = (float) (0.05 + rng.nextDouble());
        float[] table = FourBitMatmulTest.NF4;
        float[] dense = new float[numel];
        for (int i = 0; i < numel; i++) {
            int b = (int) codes[i / 2];
            int code = i % 2 == 0 ? b >> 4 : b & 0xf;
            dense[i] = table[code] * absmax[i / blocksize];
        }
        FourBitOps.PackedWeight w = new FourBitOps.PackedWeight(Tensor.of(DType.U8, codes, codes.length), Tensor.of(absmax, absmax.length),
                Tensor.of(table, 16), n, k, blocksize);
        return new Parts(w, Tensor.of(dense, n, k));
    }

    private static void assertClose(Tensor actual, Tensor expected, double tolerance) {
        float[] a = actual.toFloatArray(), e = expected.toFloatArray();
        assertThat(a).hasSameSizeAs(e);
        for (int i = 0; i < a.length; i++) assertThat((double) a[i]).as("element %d", i).isCloseTo(e[i], org.assertj.core.data.Offset.offset(tolerance));
    }

    @Test
    void forwardAndInputGradientEqualDequantizeThenMatmul() {
        try (Scope _ = Scope.open(cpu)) {
            FourBitOps ops = cpu.fourBit().orElseThrow();
            Parts p = randomWeight(40, 256, 64, 1);
            assertThat(ops.supports(DType.F32, 40, 256, 64)).isTrue();
            // 1 and 5 rows take the fused GEMV; 33 the dequantize-then-GEMM path on the tensors' own memory
            for (int m : new int[] {1, 5, 33}) {
                Tensor x = Ops.random(RandomKind.UNIFORM, 2, -1, 1, DType.F32, m, 256);
                Tensor y = Tensor.empty(DType.F32, m, 40);
                ops.matmul(x, p.weight(), y);
                assertClose(y, Ops.matmul(x, p.dense().mT()), 1e-4);

                Tensor dy = Ops.random(RandomKind.UNIFORM, 3, -1, 1, DType.F32, m, 40);
                Tensor dx = Tensor.empty(DType.F32, m, 256);
                ops.inputGradient(dy, p.weight(), dx);
                assertClose(dx, Ops.matmul(dy, p.dense()), 1e-4);
            }
        }
    }

    @Test
    void bf16ActivationsGiveTheF32ProductRoundedOnce() {
        try (Scope _ = Scope.open(cpu)) {
            FourBitOps ops = cpu.fourBit().orElseThrow();
            Parts p = randomWeight(16, 128, 32, 4);
            Tensor x = Ops.random(RandomKind.UNIFORM, 5, -1, 1, DType.F32, 3, 128).to(DType.BF16);
            Tensor y = Tensor.empty(DType.BF16, 3, 16);
            ops.matmul(x, p.weight(), y);
            Tensor expected = Ops.matmul(x.to(DType.F32), p.dense().mT());
            // one BF16 rounding of values below 8 in magnitude: at most 2^-8 relative, i.e. < 0.04 absolute
            assertClose(y, expected, 0.04);
        }
    }

    /**
     * The backend reads codes and absmax in place from their storage: views that start inside a larger
     * storage (non-zero offset) and a strided, non-contiguous absmax (copied) must give exactly the
     * product of the same values in tensors of their own.
     */
    @Test
    void weightPartsAtAnOffsetOrStridedGiveTheSameProduct() {
        try (Scope _ = Scope.open(cpu)) {
            FourBitOps ops = cpu.fourBit().orElseThrow();
            Parts p = randomWeight(24, 128, 32, 6);
            int bytes = 24 * 128 / 2, blocks = 24 * 128 / 32;
            Tensor codesAfterPadding = Tensor.zeros(DType.U8, 3 + bytes).narrow(0, 3, bytes);
            cpu.copy(p.weight().codes(), codesAfterPadding);
            Tensor absmaxAfterPadding = Tensor.zeros(DType.F32, 5 + blocks).narrow(0, 5, blocks);
            cpu.copy(p.weight().absmax(), absmaxAfterPadding);
            Tensor absmaxEveryOther = Tensor.zeros(DType.F32, blocks, 2).narrow(1, 1, 1).squeeze(1);
            cpu.copy(p.weight().absmax(), absmaxEveryOther);
            assertThat(absmaxAfterPadding.layout().offset()).isEqualTo(5);
            assertThat(absmaxEveryOther.isContiguous()).isFalse();

            Tensor x = Ops.random(RandomKind.UNIFORM, 7, -1, 1, DType.F32, 3, 128);
            Tensor expected = Tensor.empty(DType.F32, 3, 24);
            ops.matmul(x, p.weight(), expected);
            for (Tensor absmax : new Tensor[] {absmaxAfterPadding, absmaxEveryOther}) {
                Tensor y = Tensor.empty(DType.F32, 3, 24);
                ops.matmul(x, new FourBitOps.PackedWeight(codesAfterPadding, absmax, p.weight().codebook(), 24, 128, 32), y);
                assertThat(y.toFloatArray()).containsExactly(expected.toFloatArray());
            }
        }
    }

    @Test
    void supportsRejectsRowsThatStraddleBlocksAndNonFloatActivations() {
        try (Scope _ = Scope.open(cpu)) {
            FourBitOps ops = cpu.fourBit().orElseThrow();
            assertThat(ops.supports(DType.F32, 64, 172, 64)).as("k = 172 is not a multiple of 64").isFalse();
            assertThat(ops.supports(DType.F64, 64, 128, 64)).isFalse();
            assertThat(ops.supports(DType.BF16, 64, 128, 64)).isTrue();
            assertThatThrownBy(() -> new FourBitOps.PackedWeight(Tensor.zeros(DType.U8, 10), Tensor.zeros(DType.F32, 1),
                    Tensor.zeros(DType.F32, 16), 4, 8, 32)).hasMessageContaining("codes must be U8 [16]");
            assertThatThrownBy(() -> new FourBitOps.PackedWeight(Tensor.zeros(DType.U8, 16), Tensor.zeros(DType.F32, 1),
                    Tensor.zeros(DType.F32, 16), 4, 8, 48)).hasMessageContaining("power of two");
        }
    }
}
