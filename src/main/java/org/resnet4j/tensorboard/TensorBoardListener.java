package org.resnet4j.tensorboard;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.resnet4j.eval.EvalResult;
import org.resnet4j.report.Charts;
import org.resnet4j.train.MetricsRow;
import org.resnet4j.train.TrainListener;
import org.resnet4j.train.TrainResult;
import org.resnet4j.train.TrainStep;
import org.tensorflow.framework.Summary;
import org.tensorflow.util.Event;

import tensorboard.hparams.Api;

/**
 * Writes a run's figures as TensorBoard event files: per epoch (step = epoch, as in metrics.csv) the losses and
 * accuracies, learning rate and images/s, and the test confusion matrix as an image; every {@code stepEvery} steps
 * the step's own training loss (step = the global step); and the run's settings for the HParams dashboard.
 * A listener like any other: leave it out (or give it to one process of many) and nothing else changes.
 */
public final class TensorBoardListener implements TrainListener {
    public static final List<String> EPOCH_METRICS = List.of("train/loss", "train/acc", "test/loss", "test/acc");

    private final EventFileWriter writer;
    private final Map<String, Object> hparams;
    private final int stepEvery;
    private EvalResult lastTest;

    private TensorBoardListener(EventFileWriter writer, Map<String, Object> hparams, int stepEvery) {
        this.writer = writer;
        this.hparams = hparams;
        this.stepEvery = stepEvery;
    }

    /**
     * Opens a new event file in {@code dir}. {@code hparams} maps names to numbers, strings or booleans;
     * {@code stepEvery} of 0 writes no per-step loss.
     */
    public static TensorBoardListener open(Path dir, Map<String, Object> hparams, int stepEvery) throws IOException {
        if (stepEvery < 0) {
            throw new IllegalArgumentException("stepEvery cannot be negative");
        }
        return new TensorBoardListener(EventFileWriter.create(dir), new LinkedHashMap<>(hparams), stepEvery);
    }

    public Path file() {
        return writer.path();
    }

    /**
     * The leaves of a settings JSON object ({@code TrainConfig.toJson()}) as hyperparameters, named by their field
     * (prefixed with the group where two groups share a name); nulls are left out, arrays written as JSON text.
     */
    public static Map<String, Object> hparamsOf(String settingsJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(settingsJson);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a JSON object: " + e.getMessage(), e);
        }
        Map<String, Integer> seen = new LinkedHashMap<>();
        root.properties().forEach(g -> g.getValue().fieldNames().forEachRemaining(f -> seen.merge(f, 1, Integer::sum)));
        Map<String, Object> out = new LinkedHashMap<>();
        root.properties().forEach(g -> g.getValue().properties().forEach(f -> {
            JsonNode v = f.getValue();
            String name = seen.get(f.getKey()) > 1 ? g.getKey() + "." + f.getKey() : f.getKey();
            if (v.isBoolean()) {
                out.put(name, v.booleanValue());
            } else if (v.isNumber()) {
                out.put(name, v.doubleValue());
            } else if (v.isTextual()) {
                out.put(name, v.textValue());
            } else if (!v.isNull()) {
                out.put(name, v.toString());
            }
        }));
        return out;
    }

    @Override
    public void started(List<String> description) {
        List<String> metrics = new ArrayList<>(EPOCH_METRICS);
        write(0, Summaries.experiment(hparams, metrics), Summaries.sessionStart(hparams));
        flush();
    }

    @Override
    public void afterStep(long step, TrainStep.Outcome outcome) {
        if (stepEvery > 0 && step % stepEvery == 0) {
            write(step, Summaries.scalar("train/step_loss", outcome.loss()));
        }
    }

    @Override
    public void evaluated(String split, EvalResult result) {
        if (split.equals("test")) {
            lastTest = result;
        }
    }

    @Override
    public void epochEnded(MetricsRow row, String[] referenceLines) {
        List<Summary.Value> v = new ArrayList<>(List.of(Summaries.scalar("train/loss", row.trainLoss()),
                Summaries.scalar("train/acc", row.trainAcc()), Summaries.scalar("test/loss", row.testLoss()),
                Summaries.scalar("test/acc", row.testAcc()), Summaries.scalar("lr", row.lr()),
                Summaries.scalar("images_per_second", row.imagesPerSecond())));
        if (row.hasVal()) {
            v.add(Summaries.scalar("val/loss", row.valLoss()));
            v.add(Summaries.scalar("val/acc", row.valAcc()));
        }
        if (lastTest != null) {
            v.add(confusionImage(lastTest, row.epoch()));
            lastTest = null;
        }
        write(row.epoch(), v.toArray(Summary.Value[]::new));
        flush();
    }

    @Override
    public void checkpointSaved(Path path, String why) {
        flush();
    }

    @Override
    public void runEnded(TrainResult.Status status) {
        try (writer) {
            if (status == TrainResult.Status.COMPLETED || status == null) {
                write(0, Summaries.sessionEnd(status == null ? Api.Status.STATUS_FAILURE : Api.Status.STATUS_SUCCESS));
            }
            // a run stopped with a checkpoint goes on when resumed: it has not ended
        } catch (IOException | UncheckedIOException e) {
            if (status != null) { // a failed run's own error matters more than its last event
                throw new UncheckedIOException("cannot write the TensorBoard event file " + writer.path(),
                        e instanceof IOException io ? io : ((UncheckedIOException) e).getCause());
            }
        }
    }

    private static Summary.Value confusionImage(EvalResult r, int epoch) {
        HeatMapChart chart = Charts.confusion("confusion matrix, test, epoch " + epoch, r.classNames(), r.confusion());
        try {
            byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
            int channels = ImageIO.read(new ByteArrayInputStream(png)).getColorModel().getNumComponents();
            return Summaries.pngImage("test/confusion_matrix", png, chart.getWidth(), chart.getHeight(), channels);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot draw the confusion matrix", e);
        }
    }

    private void write(long step, Summary.Value... values) {
        try {
            writer.write(Event.newBuilder().setWallTime(EventFileWriter.wallTime()).setStep(step)
                    .setSummary(Summary.newBuilder().addAllValue(List.of(values))).build());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the TensorBoard event file " + writer.path(), e);
        }
    }

    private void flush() {
        try {
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the TensorBoard event file " + writer.path(), e);
        }
    }
}
