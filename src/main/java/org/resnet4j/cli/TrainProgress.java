package org.resnet4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

import org.resnet4j.train.MetricsRow;
import org.resnet4j.train.TrainListener;

/** Prints the reference lines on {@code lines} and everything else (progress, notes) on stderr. */
final class TrainProgress implements TrainListener {
    private final PrintWriter lines;
    private final PrintWriter err;
    private final DownloadProgress downloads;
    private Progress bar;

    TrainProgress(PrintWriter lines, PrintWriter err) {
        this.lines = lines;
        this.err = err;
        this.downloads = new DownloadProgress(err);
    }

    @Override
    public void downloading(String file, long done, long total) {
        downloads.downloading(file, done, total);
    }

    @Override
    public void started(List<String> description) {
        description.forEach(err::println);
    }

    @Override
    public void epochStarted(int epoch, int epochs, int batches, int firstBatch) {
        bar = Progress.start(err, "epoch " + epoch + "/" + epochs, batches, "batches", firstBatch);
    }

    @Override
    public void stepDone(int epoch, int batch, int batches, double loss, double accuracy, double ips) {
        bar.update(batch, String.format(Locale.ROOT, "%.0f img/s, loss %.4f, acc %.2f%%", ips, loss, 100 * accuracy));
    }

    @Override
    public void evaluationStarted(String split, int images) {
        bar.finish();
        bar = Progress.start(err, "  " + split, images, "images");
    }

    @Override
    public void evaluationProgress(String split, int done) {
        bar.update(done);
    }

    @Override
    public void evaluationDone(String split) {
        bar.finish();
    }

    @Override
    public void epochEnded(MetricsRow row, String[] referenceLines) {
        for (String l : referenceLines) {
            lines.println(l);
        }
        lines.flush();
    }

    @Override
    public void message(String line) {
        err.println(line);
    }
}
