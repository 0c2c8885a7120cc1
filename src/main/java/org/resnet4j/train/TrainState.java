package org.resnet4j.train;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import org.resnet4j.engine.LossScaler;

/**
 * Where a run stands: the epoch under way (0-based) and the batches of it already done, the optimisation step, the
 * partial epoch's running sums, the best accuracy so far, and every finished epoch's metrics.
 */
public final class TrainState {
    public int epoch;
    public int batchInEpoch;
    public long step;
    public double epochLossSum;
    public long epochCorrect;
    public long epochSeen;
    public double epochSeconds;
    public double epochLr = Double.NaN;
    public double bestAccuracy = Double.NEGATIVE_INFINITY;
    public int bestEpoch;
    /** Steps skipped for non-finite values ({@link OnNonFinite#SKIP}) over the whole run. */
    public long skippedSteps;
    public List<MetricsRow> history = new ArrayList<>();
    /**
     * Processes the run trained on when this state was saved (1 in checkpoints from before distributed training);
     * the partial epoch's sums above are summed over them.
     */
    public int worldSize = 1;
    /**
     * fp16 runs: the loss scaler's scale and growth tracker, so that a resumed run does not start again at 65,536 and
     * skip steps finding its scale; absent for the other precisions, which keeps their files as before.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public LossScaler.State lossScaler;

    /** Where the run stands, in words: "after epoch 3, step 120" or "in epoch 4 at batch 7, step 127". */
    String position() {
        return batchInEpoch == 0 ? String.format(java.util.Locale.ROOT, "after epoch %d, step %d", epoch, step)
                : String.format(java.util.Locale.ROOT, "in epoch %d at batch %d, step %d", epoch + 1, batchInEpoch,
                        step);
    }

    void startEpoch(int e) {
        epoch = e;
        batchInEpoch = 0;
        epochLossSum = 0;
        epochCorrect = 0;
        epochSeen = 0;
        epochSeconds = 0;
        epochLr = Double.NaN;
    }
}
