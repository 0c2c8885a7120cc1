package org.resnet4j.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's pictures, drawn with XChart: training curves and the confusion heat map. */
public final class Charts {
    public static final Color TRAIN = new Color(0x1f77b4);
    public static final Color TEST = new Color(0xd62728);
    public static final Color VAL = new Color(0x2ca02c);

    private Charts() {
    }

    /** One line per series over epochs. */
    public record Series(String name, double[] x, double[] y, Color color, boolean dashed) {
    }

    /** One line per series; the legend stands beside the plot, where it can hide no curve. */
    public static XYChart lines(String title, String xLabel, String yLabel, List<Series> series, boolean logY) {
        XYChart chart = new XYChartBuilder().width(900).height(420).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel)
                .build();
        style(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setYAxisLogarithmic(logY);
        for (Series s : series) {
            XYSeries xy = chart.addSeries(s.name(), s.x(), s.y());
            xy.setMarker(SeriesMarkers.NONE);
            xy.setLineColor(s.color());
            xy.setLineWidth(2f);
            if (s.dashed()) {
                xy.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                        new float[] {6f, 4f}, 0f));
            }
        }
        return chart;
    }

    /** Rows: true class; columns: predicted class; each row shown as the share of its class. */
    public static HeatMapChart confusion(String title, List<String> classNames, long[][] matrix) {
        int k = matrix.length;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            names.add(i < classNames.size() ? classNames.get(i) : "class_" + i);
        }
        List<Number[]> cells = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            long total = 0;
            for (long v : matrix[t]) {
                total += v;
            }
            for (int p = 0; p < k; p++) {
                double share = total == 0 ? 0 : 100.0 * matrix[t][p] / total;
                cells.add(new Number[] {p, k - 1 - t, Math.round(share * 10) / 10.0});
            }
        }
        List<String> rows = new ArrayList<>(names);
        Collections.reverse(rows); // the first class at the top
        int size = Math.max(520, 60 + 48 * k);
        HeatMapChart chart = new HeatMapChartBuilder().width(size + 140).height(size).title(title)
                .xAxisTitle("predicted class").yAxisTitle("true class").build();
        style(chart.getStyler());
        chart.getStyler().setPlotContentSize(1.0);
        chart.getStyler().setShowValue(k <= 20);
        chart.getStyler().setValueFont(new Font(Font.SANS_SERIF, Font.PLAIN, k <= 10 ? 11 : 9));
        // light enough at the top that the black cell values stay readable
        chart.getStyler().setRangeColors(new Color[] {new Color(0xf7fbff), new Color(0x9ecae1),
            new Color(0x3182bd)});
        chart.getStyler().setMin(0);
        chart.getStyler().setMax(100);
        chart.getStyler().setXAxisLabelRotation(45);
        chart.addSeries("% of the true class", names, rows, cells);
        return chart;
    }

    private static void style(Styler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(false);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        if (s instanceof AxesChartStyler axes) {
            // XChart ticks every k-th epoch where labels leave a tenth of their width free; in its default tick
            // font, 40 or 182 epochs' labels still ran together ("106113120").
            axes.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        }
        s.setLegendBorderColor(new Color(0xdddddd));
        s.setAntiAlias(true);
    }

    /** Writes {@code name}.png and {@code name}.svg into {@code dir}; returns the PNG. */
    public static Path save(Chart<?, ?> chart, Path dir, String name) throws IOException {
        Path png = dir.resolve(name + ".png");
        BitmapEncoder.saveBitmapWithDPI(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG, 144);
        VectorGraphicsEncoder.saveVectorGraphic(chart, dir.resolve(name + ".svg").toString(),
                VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        return png;
    }
}
