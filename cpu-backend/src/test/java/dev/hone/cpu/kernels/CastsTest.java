package dev.hone.cpu.kernels;

import dev.hone.tensor.Elements;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The vector BF16 conversions agree bit for bit with tensor-core's scalar {@link Elements} conversions
 * (round to nearest even, NaN kept quiet) for random bit patterns, ties, infinities, NaN and lengths
 * that leave vector tails, and for strided runs.
 */
class CastsTest {

    private static float[] samples(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = Float.intBitsToFloat(random.nextInt());
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
                Float.MIN_VALUE, Float.intBitsToFloat(0x3f808000), Float.intBitsToFloat(0x3f818000), Float.intBitsToFloat(0x7f7fffff)};
        System.arraycopy(special, 0, v, 0, Math.min(n, special.length));
        return v;
    }

    @Test
    void bf16NarrowingMatchesScalarRoundToNearestEven() {
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {1, 10, 31, 64, 1000}) {
                float[] v = samples(n, n);
                MemorySegment seg = arena.allocate(2L * n);
                Casts.storeBf16(v, 0, n, seg, 0, 1);
                for (int i = 0; i < n; i++) {
                    assertThat(seg.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i))
                            .as("bf16 of %s (bits %08x), n=%d", v[i], Float.floatToRawIntBits(v[i]), n)
                            .isEqualTo(Elements.floatToBf16(v[i]));
                }
            }
        }
    }

    @Test
    void bf16WideningIsExactForContiguousAndStridedRuns() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 77;
            MemorySegment seg = arena.allocate(2L * n * 3);
            SplittableRandom random = new SplittableRandom(5);
            for (int i = 0; i < n * 3; i++) seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) random.nextInt());
            float[] contiguous = new float[n], strided = new float[n];
            Casts.loadBf16(seg, 2, 1, contiguous, 0, n);
            Casts.loadBf16(seg, 1, 3, strided, 0, n);
            for (int i = 0; i < n; i++) {
                assertThat(Float.floatToRawIntBits(contiguous[i]))
                        .isEqualTo(Float.floatToRawIntBits(Elements.bf16ToFloat(seg.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 2 + i))));
                assertThat(Float.floatToRawIntBits(strided[i]))
                        .isEqualTo(Float.floatToRawIntBits(Elements.bf16ToFloat(seg.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 1 + 3L * i))));
            }
        }
    }

    @Test
    void f16RoundTripsThroughTheJdkConversions() {
        try (Arena arena = Arena.ofConfined()) {
            float[] v = {0f, 1f, -2.5f, 65504f, 1e-5f, 3.14159f, Float.NaN};
            MemorySegment seg = arena.allocate(2L * v.length);
            Casts.storeF16(v, 0, v.length, seg, 0, 1);
            float[] back = new float[v.length];
            Casts.loadF16(seg, 0, 1, back, 0, v.length);
            for (int i = 0; i < v.length; i++) {
                assertThat(Float.floatToIntBits(back[i])).isEqualTo(Float.floatToIntBits(Float.float16ToFloat(Float.floatToFloat16(v[i]))));
            }
        }
    }
}
