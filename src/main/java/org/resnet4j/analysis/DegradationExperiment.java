package org.resnet4j.analysis;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import javax.imageio.ImageIO;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.resnet4j.io.AtomicFile;
import org.resnet4j.report.Charts;
import org.resnet4j.report.RunRecord;
import org.resnet4j.train.Checkpoint;
import org.resnet4j.train.MetricsRow;
import org.resnet4j.train.RunDirectory;
import org.resnet4j.train.TrainConfig;
import org.resnet4j.train.TrainListener;
import org.resnet4j.train.TrainResult;
import org.resnet4j.train.TrainSetup;
import org.resnet4j.train.Trainer;

/**
 * The paper's Figure 6 (left and middle): plain and residual nets of two depths trained with one recipe, their
 * training and test error per epoch, plain nets in one panel and residual nets in the other. Each model trains in
 * its own run folder under the experiment folder, so an interrupted experiment resumes where it stopped.
 */
public final class DegradationExperiment {
    public static final List<String> DEFAULT_MODELS = List.of("plain20", "plain56", "resnet20", "resnet56");
    /** The experiment's own defaults on top of the reference program: 24 epochs, lr ÷10 at 12 and 18, decay 1e-4. */
    public static final List<String> DEFAULT_RECIPE = List.of("--epochs", "24", "--schedule", "multistep",
            "--milestones", "12,18", "--weight-decay", "1e-4");
    /** What may differ between the recipe asked for and a run found in the folder: where and how fast it runs. */
    private static final Set<String> IGNORED = Set.of("dataDir", "threads", "dataWorkers", "maxSteps");
    private static final Set<String> IGNORED_WITH_SEED = Set.of("dataDir", "threads", "dataWorkers", "maxSteps",
            "seed");

    private DegradationExperiment() {
    }

    /** The runs, the picture and the table; {@code complete} is false when a run was stopped. */
    public record Result(boolean complete, Map<String, RunRecord> runs, Path plot, Path table) {
    }

    /**
     * Trains (or resumes, or skips when finished) each model with {@code recipe}, then draws and tabulates them.
     * {@code running} hears each trainer as it starts, so a caller can stop it (an interrupt); {@code stopped} is
     * asked before each model, so a stop between two models ends the experiment too.
     *
     * @throws IllegalArgumentException when a model's folder holds a run of another recipe
     */
    public static Result run(List<String> models, TrainConfig recipe, Path dir, TrainListener listener,
            Consumer<Trainer> running, BooleanSupplier stopped) throws IOException {
        Files.createDirectories(dir);
        for (String model : models) {
            if (stopped.getAsBoolean()) {
                return new Result(false, Map.of(), null, null);
            }
            Path runDir = dir.resolve(model);
            TrainConfig config = recipe.with("--model", model);
            Trainer t;
            if (Files.isRegularFile(runDir.resolve(RunDirectory.LAST))) {
                Checkpoint.Contents c = Checkpoint.read(runDir.resolve(RunDirectory.LAST));
                List<String> differ = c.config() == null ? List.of("every setting")
                        : config.differences(c.config(), recipe.run().seed() == null ? IGNORED_WITH_SEED : IGNORED);
                if (!differ.isEmpty()) {
                    throw new IllegalArgumentException(runDir + " holds a run of another recipe (" + String.join(", ",
                            differ) + " differ; see its config.json); use another experiment folder, or the same"
                            + " options as before");
                }
                if (c.state().history.size() >= c.config().run().epochs()) {
                    listener.message(model + ": already trained (" + runDir + ")");
                    continue;
                }
                listener.message(model + ": resuming " + runDir);
                t = TrainSetup.resume(runDir, listener, cfg -> cfg);
            } else {
                listener.message(model + ": training in " + runDir);
                t = TrainSetup.start(config, runDir, listener);
            }
            running.accept(t);
            TrainResult r = t.run();
            if (r.status() != TrainResult.Status.COMPLETED) {
                return new Result(false, Map.of(), null, null);
            }
        }
        Map<String, RunRecord> runs = new LinkedHashMap<>();
        for (String model : models) {
            runs.put(model, RunRecord.read(dir.resolve(model)));
        }
        return new Result(true, runs, plot(runs, dir), table(runs, dir));
    }

    /** Two panels side by side, plain and residual; training error thin and dashed, test error bold. */
    static Path plot(Map<String, RunRecord> runs, Path dir) throws IOException {
        Color[] colours = {new Color(0xe6a817), new Color(0xd62728), new Color(0x1f77b4), new Color(0x2ca02c)};
        List<BufferedImage> panels = new ArrayList<>();
        for (boolean plain : new boolean[] {true, false}) {
            List<Charts.Series> series = new ArrayList<>();
            int i = plain ? 0 : 2;
            for (Map.Entry<String, RunRecord> e : runs.entrySet()) {
                if (e.getKey().startsWith("plain") != plain) {
                    continue;
                }
                List<MetricsRow> m = e.getValue().metrics();
                double[] x = m.stream().mapToDouble(MetricsRow::epoch).toArray();
                double[] train = m.stream().mapToDouble(r -> 100 * (1 - r.trainAcc())).toArray();
                double[] test = m.stream().mapToDouble(r -> 100 * (1 - r.testAcc())).toArray();
                Color c = colours[i++ % colours.length];
                series.add(new Charts.Series(e.getKey() + " train", x, train, c, true));
                series.add(new Charts.Series(e.getKey() + " test", x, test, c, false));
            }
            if (series.isEmpty()) {
                continue;
            }
            String name = plain ? "degradation-plain" : "degradation-resnet";
            XYChart chart = Charts.lines(plain ? "Plain nets" : "Residual nets", "epoch", "error (%)", series, false);
            chart.getStyler().setYAxisMin(0.0);
            Charts.save(chart, dir, name);
            panels.add(BitmapEncoder.getBufferedImage(chart));
        }
        int w = panels.stream().mapToInt(BufferedImage::getWidth).sum();
        int h = panels.stream().mapToInt(BufferedImage::getHeight).max().orElse(1);
        BufferedImage both = new BufferedImage(Math.max(1, w), h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, both.getWidth(), h);
        int x = 0;
        for (BufferedImage p : panels) {
            g.drawImage(p, x, 0, null);
            x += p.getWidth();
        }
        g.dispose();
        Path out = dir.resolve("degradation.png");
        ImageIO.write(both, "png", out.toFile());
        return out;
    }

    /** A Markdown table: final and best errors of each model, and the time it took. */
    static Path table(Map<String, RunRecord> runs, Path dir) throws IOException {
        StringBuilder b = new StringBuilder("| model | epochs | final training error | final test error |"
                + " best test error (epoch) | minutes |\n|---|---|---|---|---|---|\n");
        for (Map.Entry<String, RunRecord> e : runs.entrySet()) {
            List<MetricsRow> m = e.getValue().metrics();
            MetricsRow last = m.get(m.size() - 1);
            MetricsRow best = m.stream().max(Comparator.comparingDouble(MetricsRow::testAcc)).orElseThrow();
            double minutes = m.stream().mapToDouble(MetricsRow::seconds).sum() / 60;
            b.append(String.format(Locale.ROOT, "| %s | %d | %.2f%% | %.2f%% | %.2f%% (%d) | %.0f |%n", e.getKey(),
                    last.epoch(), 100 * (1 - last.trainAcc()), 100 * (1 - last.testAcc()), 100 * (1 - best.testAcc()),
                    best.epoch(), minutes));
        }
        Path out = dir.resolve("degradation.md");
        AtomicFile.writeString(out, b.toString());
        return out;
    }
}
