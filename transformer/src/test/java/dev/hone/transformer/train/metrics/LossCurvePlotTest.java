package dev.hone.transformer.train.metrics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The loss-curve PNG: a decodable image of the requested size, and the smoothing formula. */
class LossCurvePlotTest {
    @TempDir Path dir;

    @Test
    void writesAPngOfTheRequestedSize() throws IOException {
        List<MetricsRow> rows = new ArrayList<>();
        for (int s = 1; s <= 40; s++) {
            rows.add(MetricsRow.train(s, s / 40.0, 3 * Math.exp(-s / 15.0) + 0.1 * Math.sin(s), 1e-4, 1.0, 500));
            if (s % 10 == 0) rows.add(MetricsRow.eval(s, s / 40.0, 2.5 * Math.exp(-s / 20.0), OptionalDouble.empty()));
        }
        Path png = dir.resolve("plots/loss_curve.png");
        LossCurvePlot.write(rows, png, 800, 500);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(800);
        assertThat(image.getHeight()).isEqualTo(500);
        try (var files = Files.list(png.getParent())) {
            assertThat(files).containsExactly(png);  // no temporary file left behind
        }
    }

    @Test
    void aRunWithoutEvaluationsOrWithoutAnyRowStillRenders() throws IOException {
        Path png = dir.resolve("empty.png");
        LossCurvePlot.write(List.of(), png, 300, 200);
        assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(300);
        LossCurvePlot.write(List.of(MetricsRow.train(1, 0.1, 2.0, 1e-4, 1, 10)), png, 320, 200);
        assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(320);
    }

    @Test
    void aChartThatCannotBeWrittenIsExplainedNotThrown() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        Path png = notADirectory.resolve("loss_curve.png");
        assertThat(LossCurveWriter.writeOrExplain(List.of(), png, 300, 200)).hasValueSatisfying(why ->
                assertThat(why).startsWith("loss_curve.png not drawn (").contains("plain-file"));
        assertThat(LossCurveWriter.writeOrExplain(List.of(), dir.resolve("ok.png"), 300, 200)).isEmpty();
        assertThat(dir.resolve("ok.png")).isNotEmptyFile();
    }

    @Test
    void smoothingIsTheDebiasedMovingAverage() {
        // by hand: w = 0.5: s = [0.5*4, 0.25*4+0.5*2] = [2, 2]; debiased by [0.5, 0.75] -> [4, 2.6667]
        double[] s = LossCurvePlot.smoothed(new double[] {4, 2}, 0.5);
        assertThat(s[0]).isEqualTo(4.0);
        assertThat(s[1]).isCloseTo(2.0 / 0.75, within(1e-12));
        assertThat(LossCurvePlot.smoothed(new double[] {1.5, 1.5, 1.5}, 0.9)).containsExactly(new double[] {1.5, 1.5, 1.5}, within(1e-12));
    }
}
