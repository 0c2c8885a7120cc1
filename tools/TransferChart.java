import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.resnet4j.report.Charts;

/**
 * The chart of docs/transfer-learning.md: test accuracy after each epoch of every fine-tuning variant, from the
 * metrics.csv files tools/transfer_demo.sh left.
 *
 * <pre>java -cp "target/resnet4j.jar:target/lib/*" tools/TransferChart.java RUNS OUT_DIR</pre>
 */
public class TransferChart {
    public static void main(String[] args) throws Exception {
        Path runs = Path.of(args[0]);
        String[] variants = {"backbone", "layer2", "none", "scratch"};
        String[] names = {"frozen backbone", "frozen up to layer2", "full fine-tune", "from scratch"};
        Color[] colors = {new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xd62728), new Color(0x7f7f7f)};
        List<Charts.Series> series = new ArrayList<>();
        for (int v = 0; v < variants.length; v++) {
            Path csv = runs.resolve(variants[v]).resolve("metrics.csv");
            if (!Files.exists(csv)) {
                continue;
            }
            List<String> lines = Files.readAllLines(csv);
            double[] x = new double[lines.size() - 1];
            double[] y = new double[lines.size() - 1];
            for (int i = 1; i < lines.size(); i++) {
                String[] f = lines.get(i).split(",");
                x[i - 1] = Double.parseDouble(f[0]);
                y[i - 1] = 100 * Double.parseDouble(f[5]);
            }
            series.add(new Charts.Series(names[v], x, y, colors[v], variants[v].equals("scratch")));
        }
        XYChart chart = Charts.lines("ResNet-20 on 5 CIFAR-10 classes, 300 training images each",
                "epoch", "test accuracy (%, 512-image sample)", series, false);
        chart.getSeriesMap().values().forEach(s -> {
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setMarkerColor(s.getLineColor());
        });
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        System.out.println(Charts.save(chart, out, "accuracy"));
    }
}
