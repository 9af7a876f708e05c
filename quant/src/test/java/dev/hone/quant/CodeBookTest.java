package dev.hone.quant;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The binary-search nearest code equals the brute-force argmin definition on every book. */
class CodeBookTest {

    @Test
    void binarySearchEqualsFullArgminOnEveryBook() {
        for (CodeBook book : List.of(CodeBooks.nf4(), CodeBooks.fp4(), CodeBooks.signedDynamic8())) {
            for (float x : probes(book)) {
                assertThat(book.nearest(x)).as("%s nearest(%s)", book.size() == 16 ? book.value(1) : "dynamic", x).isEqualTo(book.nearestByScan(x));
            }
        }
    }

    @Test
    void tiesGoToTheLowerCodeAndNanToCodeZero() {
        CodeBook nf4 = CodeBooks.nf4();
        assertThat(nf4.nearest(nf4.value(8) / 2)).isEqualTo(7);
        assertThat(nf4.nearest(nf4.value(6) / 2)).isEqualTo(6);
        assertThat(nf4.nearest(Float.NaN)).isZero();
        CodeBook fp4 = CodeBooks.fp4();
        assertThat(fp4.nearest(-0f)).as("-0 and 0 are equally near: code 0 wins over code 8").isZero();
        assertThat(fp4.nearest(fp4.value(9) / 2)).as("halfway between -0 and -1/192").isZero();
        assertThat(fp4.nearest(-1f)).isEqualTo(11);
    }

    @Test
    void rejectsBooksThatAreNotFiniteOrTooLarge() {
        assertThatThrownBy(() -> CodeBook.of(new float[] {0f, Float.NaN})).hasMessageContaining("non-finite");
        assertThatThrownBy(() -> CodeBook.of(new float[257])).hasMessageContaining("2..256");
    }

    private static List<Float> probes(CodeBook book) {
        List<Float> xs = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) xs.add((float) (rng.nextDouble() * 2.2 - 1.1));
        for (int i = 0; i < 2_000; i++) xs.add((float) (rng.nextGaussian() * 1e-4));
        float[] v = book.values();
        for (float a : v) {
            xs.add(a);
            xs.add(Math.nextUp(a));
            xs.add(Math.nextDown(a));
            for (float b : v) {
                float mid = (a + b) / 2;
                xs.add(mid);
                xs.add(Math.nextUp(mid));
                xs.add(Math.nextDown(mid));
            }
        }
        xs.addAll(List.of(0f, -0f, 1f, -1f, Float.NaN, Float.MIN_VALUE, -Float.MIN_VALUE, 2f, -2f));
        return xs;
    }
}
