package dev.hone.cpu.quant;

import dev.hone.cpu.kernels.LaneSum;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * {@link WideNibbleGemv}'s in-register lane sum against {@link LaneSum} (the project's fixed summation
 * order): both must give the same float bit for bit, so the forward result does not depend on which of
 * the two a kernel uses. The kernel's products are checked against dequantize-then-multiply in
 * {@link FourBitMatmulTest}.
 */
class WideNibbleGemvTest {
    @Test
    void laneSumAddsInLaneSumsOrderBitForBit() {
        assumeThat(WideNibbleGemv.supported()).as("vector path available").isTrue();
        WideNibbleGemv kernel = new WideNibbleGemv(FourBitMatmulTest.NF4, 64);
        SplittableRandom rng = new SplittableRandom(41);
        float[] lanes = new float[WideNibbleGemv.LANES];
        for (int trial = 0; trial < 200; trial++) {
            // magnitudes spread over 2^-20 .. 2^20 so that the order of the adds changes the rounding
            for (int i = 0; i < lanes.length; i++) lanes[i] = (float) (rng.nextGaussian() * Math.scalb(1.0, rng.nextInt(-20, 21)));
            FloatVector v = FloatVector.fromArray(WideNibbleGemv.FLOATS, lanes, 0);
            assertThat(Float.floatToRawIntBits(kernel.laneSum(v))).as("trial %d", trial)
                    .isEqualTo(Float.floatToRawIntBits(LaneSum.of(v)));
        }
    }
}
