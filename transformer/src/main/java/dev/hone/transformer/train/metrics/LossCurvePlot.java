package dev.hone.transformer.train.metrics;

import dev.hone.tensor.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The loss curve of a run as a PNG (XChart): training loss per logged step (faint), its smoothed version
 * (TensorBoard's debiased exponential moving average: s_i = (w s_{i-1} + (1 - w) y_i), shown as
 * s_i / (1 - w^(i+1)), with w = {@link #SMOOTHING}), and the validation loss at each evaluation (with markers).
 * Renders headless (sets {@code java.awt.headless=true} unless the property was already set) and writes the
 * file atomically. Series without points are left out; a run with no points at all still gets an empty chart.
 */
public final class LossCurvePlot {
    /** Weight of the previous smoothed value. */
    public static final double SMOOTHING = 0.8;

    private LossCurvePlot() { }

    /** Writes {@code rows}' curves to {@code png}, {@code width} x {@code height} pixels. */
    public static void write(List<MetricsRow> rows, Path png, int width, int height) {
        if (width < 100 || height < 100) throw new IllegalArgumentException("LossCurvePlot: " + width + "x" + height + " is too small for " + png);
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(width).height(height).title("Loss").xAxisTitle("optimizer step").yAxisTitle("loss").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);

        List<MetricsRow> train = rows.stream().filter(MetricsRow::isTrain).toList();
        List<MetricsRow> eval = rows.stream().filter(MetricsRow::isEval).toList();
        if (!train.isEmpty()) {
            double[] steps = train.stream().mapToDouble(MetricsRow::step).toArray();
            double[] loss = train.stream().mapToDouble(r -> r.loss().getAsDouble()).toArray();
            XYSeries raw = chart.addSeries("train loss", steps, loss);
            raw.setMarker(SeriesMarkers.NONE);
            raw.setLineColor(new Color(31, 119, 180, 90));
            XYSeries smooth = chart.addSeries("train loss (smoothed)", steps, smoothed(loss, SMOOTHING));
            smooth.setMarker(SeriesMarkers.NONE);
            smooth.setLineColor(new Color(31, 119, 180));
        }
        if (!eval.isEmpty()) {
            XYSeries val = chart.addSeries("validation loss", eval.stream().mapToDouble(MetricsRow::step).toArray(),
                    eval.stream().mapToDouble(r -> r.evalLoss().getAsDouble()).toArray());
            val.setMarker(SeriesMarkers.CIRCLE);
            val.setLineColor(new Color(255, 127, 14));
            val.setMarkerColor(new Color(255, 127, 14));
        }
        try {
            byte[] bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
            AtomicFiles.write(png, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("LossCurvePlot: cannot write " + png + ": " + e, e);
        }
    }

    /** TensorBoard's debiased exponential moving average of {@code y} with weight {@code w} on the past. */
    public static double[] smoothed(double[] y, double w) {
        double[] out = new double[y.length];
        double last = 0;
        double debias = 1;
        for (int i = 0; i < y.length; i++) {
            last = w * last + (1 - w) * y[i];
            debias *= w;
            out[i] = last / (1 - debias);
        }
        return out;
    }
}
