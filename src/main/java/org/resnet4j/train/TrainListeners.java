package org.resnet4j.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Several listeners heard as one, in the order they were added. */
final class TrainListeners implements TrainListener {
    private final List<TrainListener> all = new ArrayList<>();

    void add(TrainListener l) {
        all.add(l);
    }

    @Override
    public void started(List<String> description) {
        all.forEach(l -> l.started(description));
    }

    @Override
    public void epochStarted(int epoch, int epochs, int batches, int firstBatch) {
        all.forEach(l -> l.epochStarted(epoch, epochs, batches, firstBatch));
    }

    @Override
    public void beforeStep(long step) {
        all.forEach(l -> l.beforeStep(step));
    }

    @Override
    public void stepDone(int epoch, int batch, int batches, double loss, double accuracy, double imagesPerSecond) {
        all.forEach(l -> l.stepDone(epoch, batch, batches, loss, accuracy, imagesPerSecond));
    }

    @Override
    public void afterStep(long step, TrainStep.Outcome outcome) {
        all.forEach(l -> l.afterStep(step, outcome));
    }

    @Override
    public void evaluationStarted(String split, int images) {
        all.forEach(l -> l.evaluationStarted(split, images));
    }

    @Override
    public void evaluationProgress(String split, int done) {
        all.forEach(l -> l.evaluationProgress(split, done));
    }

    @Override
    public void evaluationDone(String split) {
        all.forEach(l -> l.evaluationDone(split));
    }

    @Override
    public void epochEnded(MetricsRow row, String[] referenceLines) {
        all.forEach(l -> l.epochEnded(row, referenceLines));
    }

    @Override
    public void checkpointSaved(Path path, String why) {
        all.forEach(l -> l.checkpointSaved(path, why));
    }

    @Override
    public void message(String line) {
        all.forEach(l -> l.message(line));
    }
}
