package dev.hone.tensor.testkit;

import dev.hone.tensor.DType;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.FourBitOps;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The test kit for a backend's {@link FourBitOps}: both products, for a few-row (decoding) and a many-row
 * (training) batch, F32 and BF16 activations, NF4 and FP4 code books and two block sizes, against
 * dequantize-then-matmul on the reference backend with the weight decoded in Java from the layout definition
 * (element i is the high nibble of byte i / 2 when i is even; W[i] = codebook[code] * absmax[i / blocksize]).
 * Skipped, saying so, for a backend without the capability.
 */
public abstract class FourBitConformanceTests extends ConformanceSupport {
    /** bitsandbytes' NF4 table, and its FP4 table / 12 (as in the quant module). */
    private static final double[] NF4 = {-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
        -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
        0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0};
    private static final double[] FP4 = {0, .0625 / 12, 8 / 12., 12 / 12., 4 / 12., 6 / 12., 2 / 12., 3 / 12., -0., -.0625 / 12, -8 / 12., -12 / 12.,
        -4 / 12., -6 / 12., -2 / 12., -3 / 12.};

    @Test
    void productsEqualDequantizeThenMatmul() throws Throwable {
        assumeTrue(backendUnderTest().fourBit().isPresent(), backendUnderTest().name() + " offers no 4-bit products");
        check(() -> {
            FourBitOps ops = underTest().fourBit().orElseThrow();
            long seed = 3100;
            int n = 48, k = 128, checked = 0;
            for (double[] book : new double[][] {NF4, FP4}) {
                for (int blocksize : new int[] {64, 128}) {
                    for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                        if (!ops.supports(dtype, n, k, blocksize)) continue;
                        for (int m : new int[] {3, 70}) product(ops, book, blocksize, dtype, m, n, k, seed++);
                        checked++;
                    }
                }
            }
            assertTrue(checked >= 2, underTest().name() + " supports " + checked + " of the 8 weight and activation combinations");
        }).execute();
    }

    private void product(FourBitOps ops, double[] book, int blocksize, DType dtype, int m, int n, int k, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] codes = new byte[n * k / 2];
        random.nextBytes(codes);
        double[] absmax = new double[n * k / blocksize], dense = new double[n * k];
        for (int i = 0; i < absmax.length; i++) absmax[i] = (float) (0.05 + random.nextDouble());
        for (int i = 0; i < dense.length; i++) {
            int code = i % 2 == 0 ? (codes[i / 2] >> 4) & 15 : codes[i / 2] & 15;
            dense[i] = (float) book[code] * (float) absmax[i / blocksize];
        }
        Tensor hostCodes = Tensor.empty(reference(), DType.U8, Shape.of(codes.length));
        MemorySegment.copy(codes, 0, hostCodes.storage().segment(), ValueLayout.JAVA_BYTE, 0, codes.length);
        Pair packed = pairOf(hostCodes);
        Pair scales = hostValues(DType.F32, absmax, absmax.length), table = hostValues(DType.F32, book, 16);
        Tensor w = Tensor.empty(reference(), dtype, Shape.of(n, k));                 // the decoded weight, rounded as the activations
        for (int i = 0; i < dense.length; i++) w.set(dense[i], i / k, i % k);
        String what = "4-bit " + (book == NF4 ? "NF4" : "FP4") + " blocks of " + blocksize + " " + dtype + " M=" + m;
        Tolerance tolerance = Tolerance.forOutput(dtype, Tolerance.matmulF32(Math.max(n, k)));

        Pair x = uniform(dtype, new int[] {m, k}, seed + 1, -1, 1), y = zeros(dtype, m, n);
        reference().matmul(x.expected(), w.mT(), y.expected(), 1f, 0f);
        ops.matmul(x.actual(), packed.actual(), scales.actual(), table.actual(), n, k, blocksize, y.actual());
        assertClose(what + " matmul", y, tolerance);

        Pair dy = uniform(dtype, new int[] {m, n}, seed + 2, -1, 1), dx = zeros(dtype, m, k);
        reference().matmul(dy.expected(), w, dx.expected(), 1f, 0f);
        ops.inputGradient(dy.actual(), packed.actual(), scales.actual(), table.actual(), n, k, blocksize, dx.actual());
        assertClose(what + " inputGradient", dx, tolerance);
    }

    private Pair hostValues(DType dtype, double[] values, int length) {
        Tensor t = Tensor.empty(reference(), dtype, Shape.of(length));
        for (int i = 0; i < length; i++) t.set(values[i], i);
        return pairOf(t);
    }
}
