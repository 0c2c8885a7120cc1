package org.resnet4j.train;

import org.resnet4j.data.BatchSource;
import org.resnet4j.dist.ShardedResults;
import org.resnet4j.dist.WorkerGroup;
import org.resnet4j.eval.EvalResult;
import org.resnet4j.eval.Evaluator;
import org.resnet4j.model.ResNet;

/**
 * The evaluation after every epoch: on the validation split when there is one (it picks the best checkpoint), and on
 * the test split; {@code sampled} when each is a fixed sample rather than the whole split.
 */
public record Evaluation(BatchSource val, BatchSource test, Evaluator evaluator, boolean sampled) {

    /**
     * Evaluates {@code net} on this process's share of {@code data}; in a distributed run each rank evaluates its own
     * images and the sums are added up, so every image counts once.
     */
    EvalResult run(ResNet net, String split, BatchSource data, TrainListener listener, WorkerGroup group) {
        listener.evaluationStarted(split, (int) data.images());
        EvalResult r = evaluator.evaluate(net, data, done -> listener.evaluationProgress(split, done));
        listener.evaluationDone(split);
        EvalResult whole = ShardedResults.combined(r, group, "the " + split + " evaluation");
        listener.evaluated(split, whole);
        return whole;
    }

    void close() {
        if (val != null) {
            val.close();
        }
        test.close();
    }
}
