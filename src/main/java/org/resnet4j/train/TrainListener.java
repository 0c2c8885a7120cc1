package org.resnet4j.train;

import java.nio.file.Path;

/** What a run reports as it goes; every method has a do-nothing default. */
public interface TrainListener {
    TrainListener NONE = new TrainListener() { };

    /** Once, before the first step: a description of the run, line by line. */
    default void started(java.util.List<String> description) {
    }

    default void epochStarted(int epoch, int epochs, int batches, int firstBatch) {
    }

    /**
     * After each step: the batches done in this epoch, the epoch's running mean loss and accuracy, and the
     * images/s of this epoch so far.
     */
    default void stepDone(int epoch, int batch, int batches, double loss, double accuracy, double imagesPerSecond) {
    }

    default void evaluationStarted(String split, int images) {
    }

    default void evaluationProgress(String split, int done) {
    }

    default void evaluationDone(String split) {
    }

    /** After each epoch's evaluation, with the reference program's lines for it. */
    default void epochEnded(MetricsRow row, String[] referenceLines) {
    }

    default void checkpointSaved(Path path, String why) {
    }

    /** A line worth showing and logging that is not a metric. */
    default void message(String line) {
    }
}
