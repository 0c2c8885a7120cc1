package org.resnet4j.train;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;

import org.resnet4j.eval.EvalResult;

/**
 * The named points of a run, where progress reports and features that ride along (logs, event files, weight
 * averages) plug in; every method has a do-nothing default.
 */
public interface TrainListener {
    TrainListener NONE = new TrainListener() { };

    /** {@code listeners} heard as one, in order (the list may grow while the run goes on). */
    static TrainListener all(List<TrainListener> listeners) {
        return (TrainListener) Proxy.newProxyInstance(TrainListener.class.getClassLoader(),
                new Class<?>[] {TrainListener.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.invoke(listeners, args);
                    }
                    for (TrainListener l : listeners) {
                        try {
                            method.invoke(l, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause(); // a listener's own exception, as if called directly
                        }
                    }
                    return null;
                });
    }

    /** Once, before the first step: a description of the run, line by line. */
    default void started(List<String> description) {
    }

    /** While setting up, before {@link #started}: {@code done} of {@code total} bytes of a file (data, weights). */
    default void downloading(String file, long done, long total) {
    }

    default void epochStarted(int epoch, int epochs, int batches, int firstBatch) {
    }

    /** Before optimisation step {@code step} (0-based, counted over the whole run). */
    default void beforeStep(long step) {
    }

    /**
     * After each step: the batches done in this epoch, the epoch's running mean loss and accuracy, and the
     * images/s of this epoch so far.
     */
    default void stepDone(int epoch, int batch, int batches, double loss, double accuracy, double imagesPerSecond) {
    }

    /** After the update of step {@code step - 1}, with that step's own loss and correct count. */
    default void afterStep(long step, TrainStep.Outcome outcome) {
    }

    default void evaluationStarted(String split, int images) {
    }

    default void evaluationProgress(String split, int done) {
    }

    default void evaluationDone(String split) {
    }

    /** Each evaluation's figures and confusion matrix, right after {@link #evaluationDone}. */
    default void evaluated(String split, EvalResult result) {
    }

    /** After each epoch's evaluation, with the reference program's lines for it. */
    default void epochEnded(MetricsRow row, String[] referenceLines) {
    }

    default void checkpointSaved(Path path, String why) {
    }

    /** Once, when {@link Trainer#run} returns or fails: how it ended, or null when it failed with an exception. */
    default void runEnded(TrainResult.Status status) {
    }

    /** A line worth showing and logging that is not a metric. */
    default void message(String line) {
    }
}
