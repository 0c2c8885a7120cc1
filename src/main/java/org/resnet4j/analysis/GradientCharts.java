package org.resnet4j.analysis;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.resnet4j.report.Charts;

/** The gradient-flow picture: ||∂L/∂x_l|| against the block's relative depth, log scale, one line per model. */
public final class GradientCharts {
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b)};

    private GradientCharts() {
    }

    /** One chart per training step measured; plain nets dashed. Returns the PNGs written (SVGs lie beside). */
    public static List<Path> save(List<GradientFlow.Measurement> ms, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        for (int step : ms.stream().map(GradientFlow.Measurement::step).distinct().toList()) {
            List<Charts.Series> series = new ArrayList<>();
            int i = 0;
            for (GradientFlow.Measurement m : ms) {
                if (m.step() != step) {
                    continue;
                }
                int n = m.inputGradNorms().length;
                double[] x = new double[n];
                for (int k = 0; k < n; k++) {
                    x[k] = n == 1 ? 0 : (double) k / (n - 1);
                }
                series.add(new Charts.Series(m.model(), x, m.inputGradNorms(), PALETTE[i++ % PALETTE.length],
                        m.model().startsWith("plain")));
            }
            String title = step == 0 ? "Gradient at each block's input, at initialisation"
                    : "Gradient at each block's input, after " + step + " training steps";
            out.add(Charts.save(Charts.lines(title, "relative depth of the block (0 = first block, 1 = output)",
                    "||dL/dx_l||", series, true), dir, "gradients-step" + step));
        }
        return out;
    }
}
