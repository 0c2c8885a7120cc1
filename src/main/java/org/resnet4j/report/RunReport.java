package org.resnet4j.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;


import org.resnet4j.config.Settings;
import org.resnet4j.io.AtomicFile;
import org.resnet4j.train.MetricsRow;
import org.resnet4j.train.TrainConfig;

/**
 * A run's report: loss, accuracy and learning-rate curves and the confusion heat map as PNG and SVG, and one
 * self-contained HTML page (pictures embedded) with the configuration and the final figures.
 */
public final class RunReport {
    private RunReport() {
    }

    /** The files written. */
    public record Written(Path html, List<Path> pictures) {
    }

    public static Written write(RunRecord run, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        List<MetricsRow> m = run.metrics();
        boolean val = m.stream().anyMatch(MetricsRow::hasVal);
        double[] epochs = column(m, MetricsRow::epoch);
        Map<String, Path> pictures = new LinkedHashMap<>();

        List<Charts.Series> loss = new ArrayList<>();
        loss.add(new Charts.Series("train", epochs, column(m, MetricsRow::trainLoss), Charts.TRAIN, false));
        if (val) {
            loss.add(new Charts.Series("validation", epochs, column(m, MetricsRow::valLoss), Charts.VAL, false));
        }
        loss.add(new Charts.Series("test", epochs, column(m, MetricsRow::testLoss), Charts.TEST, false));
        pictures.put("Loss", Charts.save(Charts.lines("Cross-entropy loss", "epoch", "loss", loss, spansDecades(loss)),
                outDir, "loss"));

        List<Charts.Series> acc = new ArrayList<>();
        acc.add(new Charts.Series("train", epochs, percent(column(m, MetricsRow::trainAcc)), Charts.TRAIN, false));
        if (val) {
            acc.add(new Charts.Series("validation", epochs, percent(column(m, MetricsRow::valAcc)), Charts.VAL,
                    false));
        }
        acc.add(new Charts.Series("test", epochs, percent(column(m, MetricsRow::testAcc)), Charts.TEST, false));
        pictures.put("Accuracy", Charts.save(Charts.lines("Top-1 accuracy", "epoch", "accuracy (%)", acc, false),
                outDir, "accuracy"));

        double[] lr = column(m, MetricsRow::lr);
        double lo = Arrays.stream(lr).min().orElse(1);
        double hi = Arrays.stream(lr).max().orElse(1);
        pictures.put("Learning rate", Charts.save(Charts.lines("Learning rate (at the start of each epoch)", "epoch",
                "learning rate", List.of(new Charts.Series("lr", epochs, lr, Charts.TRAIN, false)),
                lo > 0 && hi / lo > 20), outDir, "lr"));

        if (run.confusion() != null) {
            RunRecord.Confusion c = run.confusion();
            pictures.put("Confusion matrix", Charts.save(Charts.confusion(String.format(Locale.ROOT,
                    "Confusion matrix, %s set, epoch %d (%% of each true class)", c.split(), c.epoch()),
                    c.classNames(), c.matrix()), outDir, "confusion"));
        }
        Path html = outDir.resolve("report.html");
        AtomicFile.writeString(html, html(run, pictures));
        List<Path> files = new ArrayList<>();
        for (Path png : pictures.values()) {
            files.add(png);
            files.add(png.resolveSibling(png.getFileName().toString().replace(".png", ".svg")));
        }
        return new Written(html, files);
    }

    private static String html(RunRecord run, Map<String, Path> pictures) throws IOException {
        TrainConfig c = run.config();
        MetricsRow last = run.last();
        MetricsRow best = run.bestByAccuracy();
        boolean val = last.hasVal();
        double seconds = run.metrics().stream().mapToDouble(MetricsRow::seconds).sum();
        double ips = run.metrics().stream().mapToDouble(MetricsRow::imagesPerSecond).average().orElse(0);
        String title = "resnet4j run: " + (c == null ? "?" : c.model().model() + " on " + c.data().dataset());
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title>\n<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;"
                        + "color:#222;padding:0 1em}h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em}"
                        + "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.3em .7em;"
                        + "text-align:left}th{background:#f4f6f8}td.n{text-align:right;font-variant-numeric:tabular-nums}"
                        + "img{max-width:100%;border:1px solid #eee;margin:.5em 0}.grid{display:grid;"
                        + "grid-template-columns:1fr 1fr;gap:1em}code{background:#f4f6f8;padding:0 .2em}</style>"
                        + "</head><body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n<p>Run folder <code>").append(esc(run.dir().toString()))
                .append("</code>, ").append(run.metrics().size()).append(" epoch(s) recorded.</p>\n");
        h.append("<h2>Results</h2>\n<table><tr><th></th><th>train</th>").append(val ? "<th>validation</th>" : "")
                .append("<th>test</th></tr>\n");
        h.append(row("loss, last epoch", val, last.trainLoss(), last.valLoss(), last.testLoss(), false));
        h.append(row("top-1 accuracy, last epoch", val, last.trainAcc(), last.valAcc(), last.testAcc(), true));
        h.append("</table>\n<table>");
        h.append(kv("best epoch (by " + (val ? "validation" : "test") + " accuracy)", best.epoch() + ": "
                + pct(val ? best.valAcc() : best.testAcc()) + (val ? ", test " + pct(best.testAcc()) : "")));
        h.append(kv("training time", String.format(Locale.ROOT, "%.1f min (%.0f images/s on average)", seconds / 60,
                ips)));
        h.append("</table>\n<h2>Curves</h2>\n<div class=\"grid\">\n");
        for (Map.Entry<String, Path> e : pictures.entrySet()) {
            if (!e.getKey().equals("Confusion matrix")) {
                h.append(img(e.getKey(), e.getValue()));
            }
        }
        h.append("</div>\n");
        if (pictures.containsKey("Confusion matrix")) {
            h.append("<h2>Confusion matrix</h2>\n").append(img("Confusion matrix", pictures.get("Confusion matrix")));
        }
        h.append("<h2>Configuration</h2>\n<table>");
        for (Record part : c == null ? List.<Record>of() : c.parts()) {
            for (Settings.Setting s : Settings.of(part.getClass())) {
                h.append(kv(s.flag(), String.valueOf(Settings.read(part, s.component()))));
            }
        }
        h.append("</table>\n<h2>Per epoch</h2>\n<table><tr><th>epoch</th><th>lr</th><th>train loss</th>"
                + "<th>train acc</th>").append(val ? "<th>val loss</th><th>val acc</th>" : "")
                .append("<th>test loss</th><th>test acc</th><th>seconds</th><th>images/s</th></tr>\n");
        for (MetricsRow r : run.metrics()) {
            h.append(String.format(Locale.ROOT, "<tr><td class=\"n\">%d</td><td class=\"n\">%.4g</td><td class=\"n\">"
                    + "%.4f</td><td class=\"n\">%s</td>", r.epoch(), r.lr(), r.trainLoss(), pct(r.trainAcc())));
            if (val) {
                h.append(String.format(Locale.ROOT, "<td class=\"n\">%.4f</td><td class=\"n\">%s</td>", r.valLoss(),
                        pct(r.valAcc())));
            }
            h.append(String.format(Locale.ROOT, "<td class=\"n\">%.4f</td><td class=\"n\">%s</td><td class=\"n\">%.1f"
                    + "</td><td class=\"n\">%.0f</td></tr>\n", r.testLoss(), pct(r.testAcc()), r.seconds(),
                    r.imagesPerSecond()));
        }
        h.append("</table>\n<p style=\"color:#888\">Written by resnet4j report; SVG versions of the pictures lie"
                + " beside this page.</p>\n</body></html>\n");
        return h.toString();
    }

    /** Log scale when the curves cover more than two decades, so a wild first epoch does not flatten the rest. */
    private static boolean spansDecades(List<Charts.Series> series) {
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (Charts.Series s : series) {
            for (double v : s.y()) {
                if (v > 0 && Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        return hi / lo > 100;
    }

    private static String img(String alt, Path png) throws IOException {
        return "<img alt=\"" + esc(alt) + "\" src=\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(Files.readAllBytes(png)) + "\">\n";
    }

    /** A results row: train, validation (only when the run has it) and test cells. */
    private static String row(String name, boolean withVal, double train, double val, double test, boolean percent) {
        StringBuilder b = new StringBuilder("<tr><td>").append(esc(name)).append("</td>");
        double[] cells = withVal ? new double[] {train, val, test} : new double[] {train, test};
        for (double v : cells) {
            b.append("<td class=\"n\">").append(percent ? pct(v) : String.format(Locale.ROOT, "%.4f", v))
                    .append("</td>");
        }
        return b.append("</tr>\n").toString();
    }

    private static String kv(String k, String v) {
        return "<tr><th>" + esc(k) + "</th><td>" + esc(v) + "</td></tr>\n";
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    private static double[] column(List<MetricsRow> rows, ToDoubleFunction<MetricsRow> f) {
        return rows.stream().mapToDouble(f).toArray();
    }

    private static double[] percent(double[] v) {
        double[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= 100;
        }
        return out;
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
