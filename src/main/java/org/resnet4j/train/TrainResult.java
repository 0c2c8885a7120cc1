package org.resnet4j.train;

import java.nio.file.Path;
import java.util.List;

/** How a run ended, where it lies, its per-epoch metrics, and the steps it skipped for non-finite values. */
public record TrainResult(Status status, Path runDirectory, List<MetricsRow> history, double bestAccuracy,
        int bestEpoch, long steps, long skippedSteps) {

    public enum Status {
        /** All epochs done. */
        COMPLETED,
        /** Stopped by {@link Trainer#requestStop()} (an interrupt); a checkpoint was saved where it stopped. */
        STOPPED,
        /** Stopped at the configured maximum number of steps; a checkpoint was saved there. */
        MAX_STEPS
    }

    public MetricsRow last() {
        return history.isEmpty() ? null : history.get(history.size() - 1);
    }
}
